import { createHash } from "node:crypto";
import { type AuditContext, recordAudit } from "../../audit/record";
import type { Tx } from "../../db";
import type { PlatformRole } from "../../policy/permissions";
import { getSignUpPolicy } from "./sign-up-policy";

/**
 * Whether someone without an account may get one, and with which role. The first user of an empty
 * installation and GATEHOUSE_ADMIN_EMAIL become Owner; an open invitation gives its role; otherwise
 * the sign-up policy decides, and self-service accounts are Basic users (nobody becomes an admin by
 * signing in through an identity provider).
 */
export type Admission =
  | { ok: true; role: PlatformRole; invitationId: string | null; because: string }
  | { ok: false; reason: "invite-only" | "sign-up-off" };

export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export async function decideAdmission(
  tx: Tx,
  options: { email: string; adminEmail?: string; invitationToken?: string; now: Date },
): Promise<Admission> {
  if ((await tx.user.count()) === 0)
    return { ok: true, role: "OWNER", invitationId: null, because: "first user" };
  if (options.adminEmail && options.adminEmail.toLowerCase() === options.email) {
    return { ok: true, role: "OWNER", invitationId: null, because: "GATEHOUSE_ADMIN_EMAIL" };
  }
  const invitation = await tx.invitation.findFirst({
    where: {
      email: options.email,
      acceptedAt: null,
      revokedAt: null,
      expiresAt: { gt: options.now },
      ...(options.invitationToken && { tokenHash: hashInvitationToken(options.invitationToken) }),
    },
    orderBy: { createdAt: "desc" },
  });
  const policy = await getSignUpPolicy(tx);
  // "off": no account is created by signing in; only the invitation link itself (and the CLI) adds people.
  if (invitation && (policy !== "off" || options.invitationToken)) {
    return { ok: true, role: invitation.role, invitationId: invitation.id, because: "invitation" };
  }
  if (policy === "open") return { ok: true, role: "BASIC_USER", invitationId: null, because: "open sign-up" };
  return { ok: false, reason: policy === "off" ? "sign-up-off" : "invite-only" };
}

/** Creates the admitted user (and marks the invitation used), auditing both, inside `tx`. */
export async function createAdmittedUser(
  tx: Tx,
  options: {
    email: string;
    name: string | null;
    image?: string | null;
    passwordHash?: string;
    admission: Extract<Admission, { ok: true }>;
    method: string;
    context: AuditContext;
    now: Date;
  },
): Promise<string> {
  const user = await tx.user.create({
    data: {
      email: options.email,
      name: options.name,
      image: options.image ?? null,
      passwordHash: options.passwordHash,
      role: options.admission.role,
      emailVerified: options.now,
    },
  });
  if (options.admission.invitationId) {
    await tx.invitation.update({
      where: { id: options.admission.invitationId },
      data: { acceptedAt: options.now },
    });
  }
  await recordAudit(
    tx,
    { ...options.context, actorUserId: user.id },
    {
      action: "user.create",
      targetType: "user",
      targetId: user.id,
      metadata: {
        email: options.email,
        role: options.admission.role,
        method: options.method,
        because: options.admission.because,
      },
    },
  );
  return user.id;
}
