import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { reactivateUser } from "../../../services/users/reactivate-user";
import { permissionProcedure } from "../../init";

export const reactivate = permissionProcedure("user.deactivate")
  .input(z.object({ userId: z.uuid() }).strict())
  .mutation(({ ctx, input }) =>
    reactivateUser({
      db: ctx.db(),
      actorId: ctx.session.user.id,
      userId: input.userId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
