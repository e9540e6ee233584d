import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { PASSWORD_MAX_LENGTH } from "../../../services/auth/password-policy";
import { changeOwnPassword } from "../../../services/profile/change-own-password";
import { permissionProcedure } from "../../init";

export const changePassword = permissionProcedure("profile.manage_own")
  .input(
    z
      .object({
        currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
        newPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
      })
      .strict(),
  )
  .mutation(({ ctx, input }) =>
    changeOwnPassword({
      db: ctx.db(),
      userId: ctx.session.user.id,
      sessionId: ctx.session.sessionId,
      currentPassword: input.currentPassword,
      newPassword: input.newPassword,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
