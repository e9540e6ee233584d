import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { setUserAuditor } from "../../../services/users/set-user-auditor";
import { permissionProcedure } from "../../init";

export const setAuditor = permissionProcedure("user.assign_privileged")
  .input(z.object({ userId: z.uuid(), isAuditor: z.boolean() }).strict())
  .mutation(({ ctx, input }) =>
    setUserAuditor({
      db: ctx.db(),
      actorId: ctx.session.user.id,
      userId: input.userId,
      isAuditor: input.isAuditor,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
