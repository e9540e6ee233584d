import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { type AuditContext, recordAudit } from "../../audit/record";
import { hashPassword, verifyPassword } from "../../crypto/password";
import type { Db, Tx } from "../../db";
import { env } from "../../env";
import { type AddressThrottle, countFromAddress, isOverLimit, uncountFromAddress } from "./address-throttle";

/**
 * Email + password sign-in with lockout. Unknown emails and wrong passwords get the same answer and
 * take the same time (an argon2 verification either way), and unknown emails lock out exactly like
 * real ones (counted in Redis), so neither the answer, the timing nor the lockout reveals whether
 * an account exists.
 */
export const MAX_FAILED_ATTEMPTS = 5;
export const LOCKOUT_MINUTES = 15;

/**
 * Failed sign-ins allowed per client address (IPv6: per /64) in LOCKOUT_MINUTES, over every account
 * together (GATEHOUSE_SIGNIN_FAILURES_PER_ADDRESS). Past it the address is refused without a
 * password check until the window ends (address-throttle.ts).
 */
export function signInThrottle(limit = env().GATEHOUSE_SIGNIN_FAILURES_PER_ADDRESS): AddressThrottle {
  return { kind: "signin-failures", limit, windowSeconds: LOCKOUT_MINUTES * 60 };
}

export type PasswordSignInResult =
  | { ok: true; userId: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "locked"; lockedUntil: Date }
  | { ok: false; reason: "throttled"; retryAt: Date }
  | { ok: false; reason: "deactivated" };

let dummyHash: Promise<string> | undefined;
function timingHash(): Promise<string> {
  dummyHash ??= hashPassword("gatehouse-timing-equalizer");
  return dummyHash;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function unknownEmailKeys(prefix: string, email: string) {
  const id = createHash("sha256").update(email).digest("hex");
  return { failures: `${prefix}auth:unknown-failures:${id}`, locked: `${prefix}auth:unknown-locked:${id}` };
}

/** How long failures of an unknown email are remembered (an account's are kept until it locks). */
const UNKNOWN_FAILURES_TTL_SECONDS = 30 * 24 * 3600;

/**
 * A failed sign-in for an email with no account, counted and locked in Redis exactly as an account
 * is in the database (the count kept until it locks, the lock for LOCKOUT_MINUTES from the failure
 * that set it, then the count starts over), so the answers and their times reveal nothing.
 */
async function failUnknownEmail(
  redis: Redis,
  prefix: string,
  email: string,
  now: Date,
): Promise<PasswordSignInResult> {
  const keys = unknownEmailKeys(prefix, email);
  const lockedUntil = async () => new Date(Number(await redis.get(keys.locked)) || 0);
  const current = await lockedUntil();
  if (current > now) return { ok: false, reason: "locked", lockedUntil: current };
  const [[, failures]] = (await redis
    .multi()
    .incr(keys.failures)
    .expire(keys.failures, UNKNOWN_FAILURES_TTL_SECONDS)
    .exec()) as [[Error | null, number], unknown];
  if (failures < MAX_FAILED_ATTEMPTS) return { ok: false, reason: "invalid" };
  // Locked once (a parallel failure may have done it), and the count starts over.
  const lockMs = LOCKOUT_MINUTES * 60_000;
  await redis
    .multi()
    .set(keys.locked, String(now.getTime() + lockMs), "PX", lockMs, "NX")
    .del(keys.failures)
    .exec();
  const until = await lockedUntil();
  return { ok: false, reason: "locked", lockedUntil: until > now ? until : new Date(now.getTime() + lockMs) };
}

/**
 * Counts one password attempt against the account, before the password is checked, atomically, so
 * parallel guesses cannot all pass a count read earlier: at most MAX_FAILED_ATTEMPTS are checked per
 * lockout, however many arrive at once. Returns the count with this attempt, or null (nothing
 * counted) while the account is locked. The caller puts the count back to 0 on a right password.
 * Shared by sign-in and changing one's own password (server/services/profile/change-own-password.ts).
 */
export async function countPasswordAttempt(db: Db, userId: string, now: Date): Promise<number | null> {
  // The count is read in the same statement that raises it: a separate read could see a count
  // that a parallel lockout had already put back to 0.
  const [attempt] = await db.$queryRaw<{ failedLoginCount: number }[]>`
    UPDATE "User" SET "failedLoginCount" = "failedLoginCount" + 1, "updatedAt" = now()
    WHERE id = ${userId}::uuid AND ("lockedUntil" IS NULL OR "lockedUntil" <= ${now})
    RETURNING "failedLoginCount"`;
  return attempt?.failedLoginCount ?? null;
}

/** Until when an account that countPasswordAttempt found locked is locked (`now` if it just ended). */
export async function currentLockedUntil(db: Db | Tx, userId: string, now: Date): Promise<Date> {
  const current = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { lockedUntil: true } });
  return current.lockedUntil ?? now;
}

/**
 * Locks the account for LOCKOUT_MINUTES unless a parallel attempt already did (then the count
 * starts over), and audits the lockout once. Returns until when the account is locked.
 */
export async function lockAccountAfterFailures(
  tx: Tx,
  options: { userId: string; email: string; context: AuditContext; now: Date; reason?: string },
): Promise<Date> {
  const { userId, now } = options;
  const lockedUntil = new Date(now.getTime() + LOCKOUT_MINUTES * 60_000);
  const { count } = await tx.user.updateMany({
    where: { id: userId, OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] },
    data: { failedLoginCount: 0, lockedUntil },
  });
  if (count === 0) {
    const current = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { lockedUntil: true } });
    return current.lockedUntil ?? lockedUntil;
  }
  await recordAudit(tx, options.context, {
    action: "auth.lockout",
    outcome: "DENIED",
    targetType: "user",
    targetId: userId,
    reason: options.reason ?? `${MAX_FAILED_ATTEMPTS} failed sign-ins`,
    metadata: { email: options.email, lockedUntil: lockedUntil.toISOString() },
  });
  return lockedUntil;
}

type PasswordSignInOptions = {
  db: Db;
  redis: Redis;
  redisPrefix: string;
  email: string;
  password: string;
  context: AuditContext;
  now?: Date;
  /** failed sign-ins allowed per client address and window (default: the environment's) */
  failuresPerAddress?: number;
};

/**
 * Checks an email and password. Every attempt is counted against its client address before the
 * password is checked (atomically, so parallel attempts cannot all slip under the limit), and one
 * over the limit is refused without a check until the window ends. A success, or the right
 * password of a deactivated account, is given back; every failure (wrong password, unknown email,
 * locked account) stays counted, and the one that uses up the window is audited as
 * `auth.signin.throttled`.
 */
export async function passwordSignIn(options: PasswordSignInOptions): Promise<PasswordSignInResult> {
  const now = options.now ?? new Date();
  const { redis, redisPrefix, context } = options;
  const throttle = signInThrottle(options.failuresPerAddress);
  const attempt = await countFromAddress(redis, redisPrefix, throttle, context.clientIp, now);
  if (isOverLimit(throttle, attempt.count))
    return { ok: false, reason: "throttled", retryAt: attempt.retryAt };

  const result = await checkPassword(options, now);
  if (result.ok || result.reason === "deactivated") {
    await uncountFromAddress(redis, redisPrefix, throttle, context.clientIp);
    return result;
  }
  if (throttle.limit > 0 && attempt.count === throttle.limit) {
    await recordAudit(
      options.db,
      { ...context, actorUserId: null },
      {
        action: "auth.signin.throttled",
        outcome: "DENIED",
        reason: `${throttle.limit} failed sign-ins from this address in ${LOCKOUT_MINUTES} minutes`,
        metadata: { address: context.clientIp, windowMinutes: LOCKOUT_MINUTES },
      },
    );
  }
  return result;
}

async function checkPassword(options: PasswordSignInOptions, now: Date): Promise<PasswordSignInResult> {
  const { db, context } = options;
  const email = normalizeEmail(options.email);
  const user = await db.user.findUnique({ where: { email } });

  if (!user?.passwordHash) {
    await verifyPassword(await timingHash(), options.password);
    const result = await failUnknownEmail(options.redis, options.redisPrefix, email, now);
    await recordAudit(db, context, {
      action: "auth.signin.failed",
      outcome: "DENIED",
      reason: result.ok === false && result.reason === "locked" ? "locked" : "invalid credentials",
      metadata: { email, method: "password" },
    });
    return result;
  }

  // Refused without checking the password (the same time is spent checking a dummy hash).
  const refuseLocked = async (lockedUntil: Date): Promise<PasswordSignInResult> => {
    await verifyPassword(await timingHash(), options.password);
    await recordAudit(
      db,
      { ...context, actorUserId: null },
      {
        action: "auth.signin.failed",
        outcome: "DENIED",
        targetType: "user",
        targetId: user.id,
        reason: "locked",
        metadata: { email, method: "password", lockedUntil: lockedUntil.toISOString() },
      },
    );
    return { ok: false, reason: "locked", lockedUntil };
  };
  if (user.lockedUntil && user.lockedUntil > now) return refuseLocked(user.lockedUntil);

  const lockAccount = (tx: Tx) => lockAccountAfterFailures(tx, { userId: user.id, email, context, now });

  // Counted before the check (see countPasswordAttempt); a right password puts the count back to 0.
  const failures = await countPasswordAttempt(db, user.id, now);
  if (failures === null) return refuseLocked(await currentLockedUntil(db, user.id, now));
  if (failures > MAX_FAILED_ATTEMPTS)
    // Past the allowance (parallel guesses): refused unchecked, and the account locked.
    return refuseLocked(await db.$transaction(lockAccount));

  const isValid = await verifyPassword(user.passwordHash, options.password);
  if (!isValid) {
    const lockedUntil = await db.$transaction(async (tx) => {
      await recordAudit(tx, context, {
        action: "auth.signin.failed",
        outcome: "DENIED",
        targetType: "user",
        targetId: user.id,
        reason: "invalid credentials",
        metadata: { email, method: "password", failures },
      });
      return failures >= MAX_FAILED_ATTEMPTS ? lockAccount(tx) : null;
    });
    return lockedUntil ? { ok: false, reason: "locked", lockedUntil } : { ok: false, reason: "invalid" };
  }

  await db.user.update({ where: { id: user.id }, data: { failedLoginCount: 0, lockedUntil: null } });
  if (user.status !== "ACTIVE") {
    await recordAudit(db, context, {
      action: "auth.signin.failed",
      outcome: "DENIED",
      targetType: "user",
      targetId: user.id,
      reason: "deactivated",
      metadata: { email, method: "password" },
    });
    return { ok: false, reason: "deactivated" };
  }
  return { ok: true, userId: user.id };
}
