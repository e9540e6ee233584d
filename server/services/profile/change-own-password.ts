import { type AuditContext, recordAudit } from "../../audit/record";
import { providerLabel } from "../../auth/provider-names";
import { providerSummaries } from "../../auth/providers";
import { hashPassword, verifyPassword } from "../../crypto/password";
import type { Db, Tx } from "../../db";
import { env } from "../../env";
import { AppError } from "../../errors";
import { checkPasswordPolicy } from "../auth/password-policy";
import {
  countPasswordAttempt,
  currentLockedUntil,
  lockAccountAfterFailures,
  MAX_FAILED_ATTEMPTS,
} from "../auth/password-sign-in";

const WRONG_CURRENT = "Your current password is not right.";

/** Said in UTC (the server does not know the reader's zone); the form may show details.lockedUntil locally. */
function lockedError(lockedUntil: Date, now: Date, prefix = "Too many wrong passwords"): AppError {
  const minutes = Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 60_000));
  const time = `${lockedUntil.toISOString().slice(11, 16)} UTC`;
  return new AppError(
    "RATE_LIMITED",
    `${prefix}: password sign-in to your account is locked until ${time} (${minutes} min), and so is changing the password. An administrator can unlock it sooner.`,
    { details: { field: "currentPassword", lockedUntil: lockedUntil.toISOString() } },
  );
}

/**
 * The signed-in user replaces their own password. The current password must be given, and a wrong
 * one counts toward the same lockout as a failed sign-in (MAX_FAILED_ATTEMPTS, then LOCKOUT_MINUTES),
 * so a stolen session cannot be used to guess the password without limit. On success every other
 * session of the user ends (whoever knew the old password is signed out); the session making the
 * change stays. Passwords never reach the audit log.
 */
export async function changeOwnPassword(options: {
  db: Db;
  userId: string;
  /** the session making the change; it stays signed in */
  sessionId: string;
  currentPassword: string;
  newPassword: string;
  context: AuditContext;
  now?: Date;
}): Promise<{ sessionsEnded: number }> {
  const { db, userId, sessionId, currentPassword, newPassword } = options;
  const now = options.now ?? new Date();
  const context = { ...options.context, actorUserId: userId };
  const user = await db.user.findUnique({
    where: { id: userId },
    select: {
      id: true,
      email: true,
      passwordHash: true,
      lockedUntil: true,
      accounts: { select: { provider: true } },
    },
  });
  if (!user) throw new AppError("UNAUTHORIZED", "Sign in to continue.");
  const { passwordHash: oldHash } = user;
  if (!oldHash) {
    const configured = Object.fromEntries(providerSummaries(env()).map((p) => [p.id, p.name]));
    const names = [...new Set(user.accounts.map((account) => providerLabel(account.provider, configured)))];
    throw new AppError(
      "BAD_REQUEST",
      names.length > 0
        ? `Your account signs in through ${names.join(" or ")}; it has no Gatehouse password to change.`
        : "Your account has no Gatehouse password to change.",
    );
  }

  const audit = { action: "auth.password.change", targetType: "user", targetId: user.id } as const;
  const refuseLocked = async (lockedUntil: Date): Promise<never> => {
    await recordAudit(db, context, {
      ...audit,
      outcome: "DENIED",
      reason: "locked",
      metadata: { lockedUntil: lockedUntil.toISOString() },
    });
    throw lockedError(lockedUntil, now);
  };
  if (user.lockedUntil && user.lockedUntil > now) return refuseLocked(user.lockedUntil);

  // The new password is judged before the current one is checked: a typo there costs no attempt.
  const problem =
    checkPasswordPolicy(newPassword, { email: user.email }) ??
    (newPassword === currentPassword ? "Choose a password different from your current one." : null);
  if (problem) throw new AppError("BAD_REQUEST", problem, { details: { field: "newPassword" } });

  // Counted before the check, as sign-in does, so parallel guesses cannot outrun the lockout.
  const failures = await countPasswordAttempt(db, user.id, now);
  if (failures === null) return refuseLocked(await currentLockedUntil(db, user.id, now));
  const lockAccount = (tx: Tx) =>
    lockAccountAfterFailures(tx, {
      userId: user.id,
      email: user.email,
      context,
      now,
      reason: `${MAX_FAILED_ATTEMPTS} wrong passwords (the last on changing the password)`,
    });
  if (failures > MAX_FAILED_ATTEMPTS) return refuseLocked(await db.$transaction(lockAccount));

  if (!(await verifyPassword(oldHash, currentPassword))) {
    const lockedUntil = await db.$transaction(async (tx) => {
      await recordAudit(tx, context, {
        ...audit,
        outcome: "DENIED",
        reason: "wrong current password",
        metadata: { failures },
      });
      return failures >= MAX_FAILED_ATTEMPTS ? lockAccount(tx) : null;
    });
    if (lockedUntil) throw lockedError(lockedUntil, now, `${WRONG_CURRENT} That was too many tries`);
    throw new AppError("BAD_REQUEST", WRONG_CURRENT, { details: { field: "currentPassword" } });
  }

  // Hashing is slow on purpose; do it before the transaction takes its row locks.
  const passwordHash = await hashPassword(newPassword);
  return db.$transaction(async (tx) => {
    // Only over the password just verified: a change made meanwhile (another session, an admin
    // reset) is not silently overwritten by one checked against the old password.
    const { count } = await tx.user.updateMany({
      where: { id: user.id, passwordHash: oldHash },
      // sessionVersion is only ever bumped, never compared (sessions are checked by their row in
      // resolveSession), so bumping it like every password change does keeps this session alive.
      data: { passwordHash, failedLoginCount: 0, lockedUntil: null, sessionVersion: { increment: 1 } },
    });
    if (count === 0) {
      throw new AppError(
        "CONFLICT",
        "Your password was changed in the meantime. Reload the page and use the current one.",
      );
    }
    // A session ended while the password was being checked does not get to keep going.
    const current = await tx.session.findFirst({
      where: { id: sessionId, userId: user.id },
      select: { id: true },
    });
    if (!current) throw new AppError("UNAUTHORIZED", "Your session has ended. Sign in again.");
    const { count: sessionsEnded } = await tx.session.deleteMany({
      where: { userId: user.id, id: { not: sessionId } },
    });
    await recordAudit(tx, context, { ...audit, metadata: { sessionsEnded } });
    return { sessionsEnded };
  });
}
