import { type AuditContext, recordAudit } from "../../audit/record";
import { hashPassword } from "../../crypto/password";
import { generatePassword } from "../../crypto/random";
import type { Db } from "../../db";
import { checkPasswordPolicy } from "../auth/password-policy";
import { endAllSessions } from "../auth/sessions";
import { RefusedChange } from "./audited-change";
import { assertMayRestoreAccess, changeUser } from "./lock-users";

/**
 * Gives a user a new random password, returned once for the admin to pass on; only its argon2id
 * hash is stored and it never appears in the audit log. The user's sessions end (whoever knew the
 * old password is signed out) and any lockout is lifted.
 */
export async function resetUserPassword(options: {
  db: Db;
  actorId: string;
  userId: string;
  context: AuditContext;
}): Promise<{ temporaryPassword: string }> {
  // Hashing is slow on purpose; do it before the transaction takes its row locks.
  const temporaryPassword = generatePassword();
  const passwordHash = await hashPassword(temporaryPassword);
  return changeUser(options, "user.set_role", async (tx, actor, target) => {
    const audit = {
      action: "user.password.reset",
      targetType: "user",
      targetId: target.id,
      metadata: { email: target.email, hadPassword: target.passwordHash !== null },
    };
    if (actor.id === target.id) {
      throw new RefusedChange(
        "FORBIDDEN",
        "You cannot reset your own password this way; ask another Owner or Admin.",
        audit,
      );
    }
    assertMayRestoreAccess(actor, target, "reset the password", audit);
    const problem = checkPasswordPolicy(temporaryPassword, { email: target.email });
    if (problem) throw new Error(`generated password failed the policy: ${problem}`);

    await tx.user.update({
      where: { id: target.id },
      data: { passwordHash, lockedUntil: null, failedLoginCount: 0, sessionVersion: { increment: 1 } },
    });
    const sessionsEnded = await endAllSessions({ db: tx, userId: target.id });
    await recordAudit(tx, options.context, { ...audit, metadata: { ...audit.metadata, sessionsEnded } });
    return { temporaryPassword };
  });
}
