import { createHash } from "node:crypto";
import { type AuditContext, recordAudit } from "../../audit/record";
import { hashPassword } from "../../crypto/password";
import { randomToken } from "../../crypto/random";
import type { Db } from "../../db";
import { env } from "../../env";
import { AppError } from "../../errors";
import { logger } from "../../logger";
import { isMailConfigured, sendMail } from "../../mail/send-mail";
import { redis, redisKey } from "../../redis";
import { type AddressThrottle, countFromAddress, isOverLimit } from "./address-throttle";
import { checkPasswordPolicy } from "./password-policy";
import { normalizeEmail } from "./password-sign-in";
import { endAllSessions } from "./sessions";

/**
 * "Forgot your password?" by email link, offered when mail is configured (SMTP_URL). The link
 * carries a random token; only its sha256 is stored (VerificationToken, identifier
 * `password-reset:<userId>`), it expires after 30 minutes and works once. Asking for a link says
 * the same thing whether or not the address has an account, and at most
 * MAX_RESET_REQUESTS_PER_HOUR requests per address and hour send anything (and at most
 * RESET_REQUESTS_PER_CLIENT.limit per client address and hour).
 */
export const PASSWORD_RESET_MINUTES = 30;
const IDENTIFIER_PREFIX = "password-reset:";
const NOT_CONFIGURED =
  "Password reset by email is not set up here; ask an administrator to reset your password.";
const INVALID_LINK = "This reset link is invalid or has expired. Ask for a new one.";

/** Reset emails per address and hour; more requests get the same answer and send nothing. */
export const MAX_RESET_REQUESTS_PER_HOUR = 5;

/**
 * Reset requests per client address (IPv6: per /64) and hour, over every email together: without
 * it one client could mail a reset link to every address it knows, five times an hour each.
 */
export const RESET_REQUESTS_PER_CLIENT: AddressThrottle = {
  kind: "reset-requests",
  limit: 20,
  windowSeconds: 3600,
};

/**
 * Counts a request for `email` (known or not, alike) and says whether it is within the hourly
 * allowance. Without it anyone could flood an inbox and keep replacing the owner's own link.
 */
async function isWithinAllowance(email: string): Promise<boolean> {
  const key = redisKey("auth", "reset-requests", createHash("sha256").update(email).digest("hex"));
  const [[, count]] = (await redis().multi().incr(key).expire(key, 3600, "NX").exec()) as [
    [Error | null, number],
    unknown,
  ];
  return count <= MAX_RESET_REQUESTS_PER_HOUR;
}

function hashResetToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function identifierFor(userId: string): string {
  return `${IDENTIFIER_PREFIX}${userId}`;
}

function resetMailText(email: string, link: string): string {
  return [
    `Someone asked to reset the password of the Gatehouse account ${email}.`,
    "",
    "To choose a new password, open this link:",
    link,
    "",
    `The link works once and expires in ${PASSWORD_RESET_MINUTES} minutes.`,
    "If you did not ask for this, you can ignore this email; your password stays as it is.",
    "",
  ].join("\n");
}

/**
 * Sends a reset link to an active account with a password. Returns the same way (and does
 * comparable work) for unknown, deactivated and password-less addresses, so the answer reveals
 * nothing. The mail goes out after the response-relevant work, without being awaited, so the
 * SMTP round trip does not tell accounts apart either; a failed delivery is logged.
 */
export async function requestPasswordReset(options: {
  db: Db;
  email: string;
  context: AuditContext;
  now?: Date;
}): Promise<void> {
  if (!isMailConfigured()) throw new AppError("UNAVAILABLE", NOT_CONFIGURED);
  const { db, context } = options;
  const now = options.now ?? new Date();
  const email = normalizeEmail(options.email);
  const token = randomToken();
  const tokenHash = hashResetToken(token);
  const user = email ? await db.user.findUnique({ where: { email } }) : null;

  // A request that sends nothing, audited with why (the requester's answer is the same).
  const refuse = (reason: string) =>
    recordAudit(db, context, {
      action: "auth.password_reset.request",
      outcome: "DENIED",
      reason,
      ...(user && { targetType: "user", targetId: user.id }),
      metadata: { email: email.slice(0, 320) },
    });
  const fromClient = await countFromAddress(
    redis(),
    env().REDIS_KEY_PREFIX,
    RESET_REQUESTS_PER_CLIENT,
    context.clientIp,
    now,
  );
  if (isOverLimit(RESET_REQUESTS_PER_CLIENT, fromClient.count))
    return refuse("too many requests from this address");
  if (!(await isWithinAllowance(email))) return refuse("too many requests");
  if (user?.status !== "ACTIVE" || !user.passwordHash) return refuse("no such account");

  const expires = new Date(now.getTime() + PASSWORD_RESET_MINUTES * 60_000);
  await db.$transaction(async (tx) => {
    await tx.verificationToken.deleteMany({ where: { identifier: identifierFor(user.id) } });
    await tx.verificationToken.create({
      data: { identifier: identifierFor(user.id), token: tokenHash, expires },
    });
    await recordAudit(tx, context, {
      action: "auth.password_reset.request",
      targetType: "user",
      targetId: user.id,
      metadata: { email: user.email, expiresAt: expires.toISOString() },
    });
  });

  const link = `${env().GATEHOUSE_PUBLIC_URL}/reset-password/${token}`;
  void sendMail({
    to: user.email,
    subject: "Reset your Gatehouse password",
    text: resetMailText(user.email, link),
  }).catch((error: unknown) => {
    logger().error({ err: error, userId: user.id }, "could not send the password reset email");
  });
}

async function findResetRow(db: Db, token: string, now: Date) {
  if (!token) return null;
  const row = await db.verificationToken.findUnique({ where: { token: hashResetToken(token) } });
  if (!row?.identifier.startsWith(IDENTIFIER_PREFIX) || row.expires <= now) return null;
  const user = await db.user.findUnique({
    where: { id: row.identifier.slice(IDENTIFIER_PREFIX.length) },
    select: { id: true, email: true, status: true },
  });
  if (user?.status !== "ACTIVE") return null;
  return { tokenHash: row.token, identifier: row.identifier, user };
}

/** The account a reset link is for, while the link is valid and unexpired. */
export async function findPasswordReset(options: {
  db: Db;
  token: string;
  now?: Date;
}): Promise<{ email: string } | null> {
  const found = await findResetRow(options.db, options.token, options.now ?? new Date());
  return found ? { email: found.user.email } : null;
}

/**
 * Sets the new password from a valid link: lifts any lockout, ends every session (whoever knew the
 * old password is signed out) and uses up every reset link of the account, in one transaction.
 */
export async function completePasswordReset(options: {
  db: Db;
  token: string;
  password: string;
  context: AuditContext;
  now?: Date;
}): Promise<{ email: string }> {
  const { db, context } = options;
  const now = options.now ?? new Date();
  const found = await findResetRow(db, options.token, now);
  if (!found) throw new AppError("NOT_FOUND", INVALID_LINK);
  const problem = checkPasswordPolicy(options.password, { email: found.user.email });
  if (problem) throw new AppError("BAD_REQUEST", problem, { details: { field: "password" } });
  // Hashing is slow on purpose; do it before the transaction takes its row locks.
  const passwordHash = await hashPassword(options.password);

  return db.$transaction(async (tx) => {
    // The same link submitted twice at once: the second waits here, then finds the row gone.
    const locked = await tx.$queryRaw<{ expires: Date }[]>`
      SELECT expires FROM "VerificationToken" WHERE token = ${found.tokenHash} FOR UPDATE`;
    const row = locked[0];
    if (!row || row.expires <= now) throw new AppError("NOT_FOUND", INVALID_LINK);

    const user = await tx.user.update({
      where: { id: found.user.id },
      data: { passwordHash, lockedUntil: null, failedLoginCount: 0, sessionVersion: { increment: 1 } },
      select: { id: true, email: true },
    });
    const sessionsEnded = await endAllSessions({ db: tx, userId: user.id });
    await tx.verificationToken.deleteMany({ where: { identifier: found.identifier } });
    await recordAudit(
      tx,
      { ...context, actorUserId: user.id },
      {
        action: "auth.password_reset.complete",
        targetType: "user",
        targetId: user.id,
        metadata: { email: user.email, sessionsEnded },
      },
    );
    return { email: user.email };
  });
}
