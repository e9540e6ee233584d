import { type AuditContext, recordAudit } from "../../audit/record";
import { hashPassword } from "../../crypto/password";
import type { Db } from "../../db";
import { env } from "../../env";
import { AppError } from "../../errors";
import type { PlatformRole } from "../../policy/permissions";
import { createAdmittedUser, decideAdmission, hashInvitationToken } from "../auth/admit-user";
import { checkPasswordPolicy } from "../auth/password-policy";
import { type InvitationStatus, invitationStatus, inviterMayStillInvite } from "./invitation-row";

/**
 * The public side of an invitation link: the invite page looks the token up, and its form (a
 * server action) accepts it with a name and a password. No session is needed; the token is the
 * credential, and it works once.
 */
const INVALID_LINK = "This invitation link is invalid or has expired.";
const INVITER_SELECT = { role: true, isAuditor: true, status: true } as const;
const NAME_MAX_LENGTH = 200;

export async function findInvitationByToken(options: {
  db: Db;
  token: string;
  now?: Date;
}): Promise<{ email: string; role: PlatformRole; status: InvitationStatus } | null> {
  const now = options.now ?? new Date();
  if (!options.token) return null;
  const invitation = await options.db.invitation.findUnique({
    where: { tokenHash: hashInvitationToken(options.token) },
    select: {
      email: true,
      role: true,
      acceptedAt: true,
      revokedAt: true,
      expiresAt: true,
      invitedBy: { select: INVITER_SELECT },
    },
  });
  if (!invitation) return null;
  const status = invitationStatus(invitation, now);
  return {
    email: invitation.email,
    role: invitation.role,
    status:
      status === "pending" && !inviterMayStillInvite(invitation.invitedBy, invitation.role)
        ? "revoked"
        : status,
  };
}

export async function acceptInvitation(options: {
  db: Db;
  token: string;
  name: string;
  password: string;
  context: AuditContext;
  now?: Date;
}): Promise<{ userId: string }> {
  const { db, token, context } = options;
  const now = options.now ?? new Date();
  const found = await findInvitationByToken({ db, token, now });
  if (found?.status !== "pending") throw new AppError("NOT_FOUND", INVALID_LINK);

  const name = options.name.trim();
  if (name.length === 0 || name.length > NAME_MAX_LENGTH) {
    throw new AppError("BAD_REQUEST", `Enter your name (at most ${NAME_MAX_LENGTH} characters).`, {
      details: { field: "name" },
    });
  }
  const problem = checkPasswordPolicy(options.password, { email: found.email });
  if (problem) throw new AppError("BAD_REQUEST", problem, { details: { field: "password" } });
  const passwordHash = await hashPassword(options.password);

  const tokenHash = hashInvitationToken(token);
  return db.$transaction(async (tx) => {
    // Two submissions of the same link: the second waits here, then finds the invitation used.
    await tx.$queryRaw`SELECT id FROM "Invitation" WHERE "tokenHash" = ${tokenHash} FOR UPDATE`;
    const invitation = await tx.invitation.findUnique({
      where: { tokenHash },
      include: { invitedBy: { select: INVITER_SELECT } },
    });
    if (!invitation || invitationStatus(invitation, now) !== "pending")
      throw new AppError("NOT_FOUND", INVALID_LINK);
    // Its sender was deactivated or demoted since (the invite page shows it as revoked).
    if (!inviterMayStillInvite(invitation.invitedBy, invitation.role))
      throw new AppError("NOT_FOUND", INVALID_LINK);
    if (await tx.user.findFirst({ where: { email: { equals: invitation.email, mode: "insensitive" } } })) {
      throw new AppError("CONFLICT", "An account with this email already exists; sign in instead.");
    }

    const admission = await decideAdmission(tx, {
      email: invitation.email,
      invitationToken: token,
      now,
      adminEmail: env().GATEHOUSE_ADMIN_EMAIL,
    });
    if (!admission.ok) throw new AppError("NOT_FOUND", INVALID_LINK);
    const userId = await createAdmittedUser(tx, {
      email: invitation.email,
      name,
      passwordHash,
      admission,
      method: "invitation",
      context,
      now,
    });
    // The first user or GATEHOUSE_ADMIN_EMAIL is admitted as Owner without the invitation; it is
    // used up all the same.
    if (admission.invitationId !== invitation.id) {
      await tx.invitation.update({ where: { id: invitation.id }, data: { acceptedAt: now } });
    }
    await recordAudit(
      tx,
      { ...context, actorUserId: userId },
      {
        action: "invitation.accept",
        targetType: "invitation",
        targetId: invitation.id,
        metadata: { email: invitation.email, role: admission.role, invitedById: invitation.invitedById },
      },
    );
    return { userId };
  });
}
