import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { revokeInvitation } from "../../../services/invitations/revoke-invitation";
import { permissionProcedure } from "../../init";

export const revoke = permissionProcedure("user.invite")
  .input(z.object({ invitationId: z.uuid() }).strict())
  .mutation(({ ctx, input }) =>
    revokeInvitation({
      db: ctx.db(),
      invitationId: input.invitationId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
