import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { resetUserPassword } from "../../../services/users/reset-user-password";
import { permissionProcedure } from "../../init";

export const resetPassword = permissionProcedure("user.set_role")
  .input(z.object({ userId: z.uuid() }).strict())
  .mutation(({ ctx, input }) =>
    resetUserPassword({
      db: ctx.db(),
      actorId: ctx.session.user.id,
      userId: input.userId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
