import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { unlockUser } from "../../../services/users/unlock-user";
import { permissionProcedure } from "../../init";

export const unlock = permissionProcedure("user.deactivate")
  .input(z.object({ userId: z.uuid() }).strict())
  .mutation(({ ctx, input }) =>
    unlockUser({
      db: ctx.db(),
      actorId: ctx.session.user.id,
      userId: input.userId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
