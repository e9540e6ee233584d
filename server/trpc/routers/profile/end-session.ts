import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { endOwnSession } from "../../../services/profile/end-own-session";
import { permissionProcedure } from "../../init";

export const endSession = permissionProcedure("profile.manage_own")
  .input(z.object({ sessionId: z.uuid() }).strict())
  .mutation(({ ctx, input }) =>
    endOwnSession({
      db: ctx.db(),
      userId: ctx.session.user.id,
      sessionId: input.sessionId,
      currentSessionId: ctx.session.sessionId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
