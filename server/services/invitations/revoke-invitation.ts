import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import { runAuditedChange } from "../users/audited-change";
import {
  INVITATION_ROW_SELECT,
  type InvitationRow,
  invitationStatus,
  toInvitationRow,
} from "./invitation-row";

const NOT_PENDING: Record<string, string> = {
  accepted:
    "This invitation has already been accepted; deactivate the user instead if they should not have access.",
  revoked: "This invitation was already revoked.",
  expired: "This invitation has already expired; its link no longer works.",
};

export async function revokeInvitation(options: {
  db: Db;
  invitationId: string;
  context: AuditContext;
  now?: Date;
}): Promise<InvitationRow> {
  const now = options.now ?? new Date();
  return runAuditedChange({
    db: options.db,
    context: options.context,
    change: async (tx) => {
      // Locked so an acceptance in flight either finishes first (and we refuse) or finds it revoked.
      await tx.$queryRaw`SELECT id FROM "Invitation" WHERE id = ${options.invitationId}::uuid FOR UPDATE`;
      const invitation = await tx.invitation.findUnique({
        where: { id: options.invitationId },
        select: INVITATION_ROW_SELECT,
      });
      if (!invitation) {
        throw new AppError("NOT_FOUND", "This invitation does not exist (any more). Reload the list.");
      }
      const status = invitationStatus(invitation, now);
      const problem = NOT_PENDING[status];
      if (problem) throw new AppError("CONFLICT", problem);

      const revoked = await tx.invitation.update({
        where: { id: invitation.id },
        data: { revokedAt: now },
        select: INVITATION_ROW_SELECT,
      });
      await recordAudit(tx, options.context, {
        action: "invitation.revoke",
        targetType: "invitation",
        targetId: invitation.id,
        metadata: { email: invitation.email, role: invitation.role, before: "pending", after: "revoked" },
      });
      return toInvitationRow(revoked, now);
    },
  });
}
