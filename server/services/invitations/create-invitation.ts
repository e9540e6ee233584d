import { type AuditContext, recordAudit } from "../../audit/record";
import { randomToken } from "../../crypto/random";
import type { Db } from "../../db";
import { env } from "../../env";
import { AppError } from "../../errors";
import { can, PermissionDeniedError, type PlatformRole } from "../../policy/permissions";
import { hashInvitationToken } from "../auth/admit-user";
import { normalizeEmail } from "../auth/password-sign-in";
import { RefusedChange, runAuditedChange } from "../users/audited-change";
import { INVITATION_ROW_SELECT, type InvitationRow, toInvitationRow } from "./invitation-row";

export const DEFAULT_INVITATION_DAYS = 7;

/**
 * Creates a single-use invitation link. Only the token's hash is stored; the link itself is
 * returned once, for the inviter to pass on. A pending invitation to the same address is revoked,
 * so only the newest link works.
 */
export async function createInvitation(options: {
  db: Db;
  actorId: string;
  email: string;
  role: PlatformRole;
  expiresInDays?: number;
  context: AuditContext;
  now?: Date;
}): Promise<{ invitation: InvitationRow; url: string }> {
  const now = options.now ?? new Date();
  const email = normalizeEmail(options.email);
  const days = options.expiresInDays ?? DEFAULT_INVITATION_DAYS;
  const expiresAt = new Date(now.getTime() + days * 24 * 3600_000);
  const token = randomToken(32);

  return runAuditedChange({
    db: options.db,
    context: options.context,
    change: async (tx) => {
      const actor = await tx.user.findUnique({
        where: { id: options.actorId },
        select: { id: true, role: true, isAuditor: true, status: true },
      });
      if (!actor || !can(actor, "user.invite")) throw new PermissionDeniedError("user.invite");
      const audit = {
        action: "invitation.create",
        targetType: "invitation",
        metadata: { email, role: options.role },
      };
      if (options.role === "OWNER" && !can(actor, "user.assign_privileged")) {
        throw new RefusedChange("FORBIDDEN", "Only an Owner can invite someone as an Owner.", audit);
      }
      // Two admins inviting the same address at once must not leave two working links.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`invitation:${email}`}))`;
      const existing = await tx.user.findFirst({
        where: { email: { equals: email, mode: "insensitive" } },
        select: { id: true },
      });
      if (existing) {
        throw new AppError(
          "CONFLICT",
          `${email} already has an account; change their role on the users page instead.`,
        );
      }
      const { count: replaced } = await tx.invitation.updateMany({
        where: { email, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
        data: { revokedAt: now },
      });
      const invitation = await tx.invitation.create({
        data: {
          email,
          role: options.role,
          tokenHash: hashInvitationToken(token),
          invitedById: actor.id,
          expiresAt,
          createdAt: now,
        },
        select: INVITATION_ROW_SELECT,
      });
      await recordAudit(tx, options.context, {
        ...audit,
        targetId: invitation.id,
        metadata: {
          ...audit.metadata,
          after: { email, role: options.role, expiresAt: expiresAt.toISOString(), status: "pending" },
          replacedPending: replaced,
        },
      });
      return {
        invitation: toInvitationRow(invitation, now),
        url: `${env().GATEHOUSE_PUBLIC_URL}/invite/${token}`,
      };
    },
  });
}
