import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { deactivateUser } from "../../../services/users/deactivate-user";
import { permissionProcedure } from "../../init";

export const deactivate = permissionProcedure("user.deactivate")
  .input(z.object({ userId: z.uuid() }).strict())
  .mutation(({ ctx, input }) =>
    deactivateUser({
      db: ctx.db(),
      actorId: ctx.session.user.id,
      userId: input.userId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
