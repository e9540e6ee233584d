import { auditContextFromHeaders } from "../../../audit/record";
import { signOutEverywhere as signOutEverywhereService } from "../../../services/profile/sign-out-everywhere";
import { permissionProcedure } from "../../init";

export const signOutEverywhere = permissionProcedure("profile.manage_own").mutation(({ ctx }) =>
  signOutEverywhereService({
    db: ctx.db(),
    userId: ctx.session.user.id,
    context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
  }),
);
