import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { type AuditContext, recordAudit } from "../../audit/record";
import { hashPassword, verifyPassword } from "../../crypto/password";
import type { Db } from "../../db";

/**
 * Email + password sign-in with lockout. Unknown emails and wrong passwords get the same answer and
 * take the same time (an argon2 verification either way), and unknown emails lock out exactly like
 * real ones (counted in Redis), so neither the answer, the timing nor the lockout reveals whether
 * an account exists.
 */
export const MAX_FAILED_ATTEMPTS = 5;
export const LOCKOUT_MINUTES = 15;

export type PasswordSignInResult =
  | { ok: true; userId: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "locked"; lockedUntil: Date }
  | { ok: false; reason: "deactivated" };

let dummyHash: Promise<string> | undefined;
function timingHash(): Promise<string> {
  dummyHash ??= hashPassword("gatehouse-timing-equalizer");
  return dummyHash;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function unknownEmailKey(prefix: string, email: string): string {
  return `${prefix}auth:unknown-failures:${createHash("sha256").update(email).digest("hex")}`;
}

async function failUnknownEmail(
  redis: Redis,
  prefix: string,
  email: string,
  now: Date,
): Promise<PasswordSignInResult> {
  const key = unknownEmailKey(prefix, email);
  const failures = await redis.incr(key);
  if (failures === 1) await redis.expire(key, LOCKOUT_MINUTES * 60);
  if (failures >= MAX_FAILED_ATTEMPTS) {
    const ttl = await redis.ttl(key);
    return { ok: false, reason: "locked", lockedUntil: new Date(now.getTime() + Math.max(ttl, 1) * 1000) };
  }
  return { ok: false, reason: "invalid" };
}

export async function passwordSignIn(options: {
  db: Db;
  redis: Redis;
  redisPrefix: string;
  email: string;
  password: string;
  context: AuditContext;
  now?: Date;
}): Promise<PasswordSignInResult> {
  const { db, context } = options;
  const now = options.now ?? new Date();
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

  if (user.lockedUntil && user.lockedUntil > now) {
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
        metadata: { email, method: "password", lockedUntil: user.lockedUntil.toISOString() },
      },
    );
    return { ok: false, reason: "locked", lockedUntil: user.lockedUntil };
  }

  const isValid = await verifyPassword(user.passwordHash, options.password);
  if (!isValid) {
    const failures = user.failedLoginCount + 1;
    const locks = failures >= MAX_FAILED_ATTEMPTS;
    const lockedUntil = locks ? new Date(now.getTime() + LOCKOUT_MINUTES * 60_000) : null;
    await db.$transaction(async (tx) => {
      await tx.user.update({
        where: { id: user.id },
        data: { failedLoginCount: locks ? 0 : failures, ...(lockedUntil && { lockedUntil }) },
      });
      await recordAudit(tx, context, {
        action: "auth.signin.failed",
        outcome: "DENIED",
        targetType: "user",
        targetId: user.id,
        reason: "invalid credentials",
        metadata: { email, method: "password", failures },
      });
      if (lockedUntil) {
        await recordAudit(tx, context, {
          action: "auth.lockout",
          outcome: "DENIED",
          targetType: "user",
          targetId: user.id,
          reason: `${MAX_FAILED_ATTEMPTS} failed sign-ins`,
          metadata: { email, lockedUntil: lockedUntil.toISOString() },
        });
      }
    });
    return lockedUntil ? { ok: false, reason: "locked", lockedUntil } : { ok: false, reason: "invalid" };
  }

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

  if (user.failedLoginCount > 0 || user.lockedUntil) {
    await db.user.update({ where: { id: user.id }, data: { failedLoginCount: 0, lockedUntil: null } });
  }
  return { ok: true, userId: user.id };
}
