import type { Prisma } from "../../db";
import { type Actor, can, type PlatformRole } from "../../policy/permissions";

export type InvitationStatus = "pending" | "accepted" | "expired" | "revoked";

export type InvitationRow = {
  id: string;
  email: string;
  role: PlatformRole;
  createdAt: Date;
  expiresAt: Date;
  invitedBy: { id: string; name: string | null; email: string };
  status: InvitationStatus;
};

export const INVITATION_ROW_SELECT = {
  id: true,
  email: true,
  role: true,
  createdAt: true,
  expiresAt: true,
  acceptedAt: true,
  revokedAt: true,
  invitedBy: { select: { id: true, name: true, email: true } },
} satisfies Prisma.InvitationSelect;

type SelectedInvitation = Prisma.InvitationGetPayload<{ select: typeof INVITATION_ROW_SELECT }>;

export function invitationStatus(
  invitation: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date },
  now: Date,
): InvitationStatus {
  if (invitation.acceptedAt) return "accepted";
  if (invitation.revokedAt) return "revoked";
  if (invitation.expiresAt <= now) return "expired";
  return "pending";
}

export function toInvitationRow(invitation: SelectedInvitation, now: Date): InvitationRow {
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    createdAt: invitation.createdAt,
    expiresAt: invitation.expiresAt,
    invitedBy: invitation.invitedBy,
    status: invitationStatus(invitation, now),
  };
}

/**
 * Whether whoever sent an invitation could still send it: an invitation is only as good as its
 * sender's authority, so a deactivated or demoted inviter's pending links stop working.
 */
export function inviterMayStillInvite(inviter: Actor | null, role: PlatformRole): boolean {
  return (
    inviter !== null &&
    can(inviter, "user.invite") &&
    (role !== "OWNER" || can(inviter, "user.assign_privileged"))
  );
}
