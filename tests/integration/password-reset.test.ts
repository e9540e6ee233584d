import { randomBytes } from "node:crypto";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../fixtures/everything-server";

/**
 * Password reset by email link against a real SMTP server (smtp-server, in memory). SMTP_URL is set
 * before anything reads the configuration (each test file has its own module graph).
 */
type Received = { to: string[]; raw: string };
const received: Received[] = [];

const smtpPort = await freePort();
const smtp = new SMTPServer({
  secure: false,
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      received.push({
        to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
        raw: Buffer.concat(chunks).toString("utf8"),
      });
      callback();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(smtpPort, "127.0.0.1", resolve));
process.env.SMTP_URL = `smtp://127.0.0.1:${smtpPort}`;
process.env.MAIL_FROM = "Gatehouse Test <no-reply@gatehouse.test>";

const { createUser, uniqueSuffix } = await import("@/prisma/seed/factories");
const { hashPassword, verifyPassword } = await import("@/server/crypto/password");
const { db, disconnectDb } = await import("@/server/db");
const { env } = await import("@/server/env");
const { disconnectRedis } = await import("@/server/redis");
const {
  completePasswordReset,
  findPasswordReset,
  MAX_RESET_REQUESTS_PER_HOUR,
  RESET_REQUESTS_PER_CLIENT,
  requestPasswordReset,
} = await import("@/server/services/auth/password-reset");
const { resolveSession, startSession } = await import("@/server/services/auth/sessions");

const OLD_PASSWORD = "the old and tired passphrase";
const NEW_PASSWORD = "a brand new reset passphrase";
const INVALID_LINK = "This reset link is invalid or has expired. Ask for a new one.";
const context = { clientIp: "198.51.100.23", userAgent: "reset-browser" };
// Each test asks from an address of its own (requests are also limited per client address).
beforeEach(() => {
  const [a, b] = randomBytes(2);
  context.clientIp = `198.18.${a}.${b}`;
});

beforeAll(() => {
  expect(env().SMTP_URL).toBe(`smtp://127.0.0.1:${smtpPort}`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await disconnectRedis();
  await disconnectDb();
});

async function userWithPassword(data: { status?: "ACTIVE" | "DEACTIVATED" } = {}) {
  return createUser(db(), {
    email: `reset-${uniqueSuffix()}@example.test`,
    passwordHash: await hashPassword(OLD_PASSWORD),
    ...data,
  });
}

function mailsTo(email: string): Received[] {
  return received.filter((mail) => mail.to.includes(email));
}

/** The mail is sent after the request returns (so its timing reveals nothing): wait for it. */
async function waitForMail(email: string, timeoutMs = 10_000): Promise<Received> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const [mail] = mailsTo(email);
    if (mail) return mail;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no mail to ${email} within ${timeoutMs} ms`);
}

/** The plain-text body, with quoted-printable soft line breaks undone. */
function bodyOf(mail: Received): string {
  const body = mail.raw
    .split(/\r?\n\r?\n/)
    .slice(1)
    .join("\n\n");
  return body.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
}

function tokenFrom(mail: Received): string {
  const prefix = `${env().GATEHOUSE_PUBLIC_URL}/reset-password/`;
  const match = bodyOf(mail).match(
    new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}([A-Za-z0-9_-]+)`),
  );
  if (!match?.[1]) throw new Error(`no reset link in:\n${mail.raw}`);
  return match[1];
}

async function appError(promise: Promise<unknown>) {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: { code: string; message: string; details?: Record<string, unknown> }) => error,
  );
}

async function requestAndGetToken(email: string): Promise<string> {
  await requestPasswordReset({ db: db(), email, context });
  return tokenFrom(await waitForMail(email));
}

describe("requestPasswordReset", () => {
  it("mails exactly one link to an active account, storing only the token's hash", async () => {
    const user = await userWithPassword();
    await requestPasswordReset({ db: db(), email: `  ${user.email.toUpperCase()} `, context });
    const mail = await waitForMail(user.email);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(mailsTo(user.email)).toHaveLength(1);

    expect(mail.raw).toContain("From: Gatehouse Test <no-reply@gatehouse.test>");
    expect(mail.raw).toContain("Subject: Reset your Gatehouse password");
    const body = bodyOf(mail);
    expect(body).toContain("expires in 30 minutes");
    expect(body).toContain("you can ignore this email");
    const token = tokenFrom(mail);
    expect(token.length).toBeGreaterThanOrEqual(43);

    const rows = await db().verificationToken.findMany({
      where: { identifier: `password-reset:${user.id}` },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token).not.toBe(token);
    expect(rows[0]?.token).toMatch(/^[0-9a-f]{64}$/);
    const minutes = ((rows[0]?.expires.getTime() ?? 0) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(29);
    expect(minutes).toBeLessThanOrEqual(30);
    expect(await findPasswordReset({ db: db(), token })).toEqual({ email: user.email });
  });

  it("a new request replaces the older link", async () => {
    const user = await userWithPassword();
    const first = await requestAndGetToken(user.email);
    received.splice(0, received.length);
    const second = await requestAndGetToken(user.email);
    expect(second).not.toBe(first);
    expect(await findPasswordReset({ db: db(), token: first })).toBeNull();
    expect(await findPasswordReset({ db: db(), token: second })).toEqual({ email: user.email });
  });

  it(`sends at most ${MAX_RESET_REQUESTS_PER_HOUR} links an hour to an address; more requests send nothing and keep the last link`, async () => {
    const user = await userWithPassword();
    let last = "";
    for (let i = 0; i < MAX_RESET_REQUESTS_PER_HOUR; i++) {
      received.splice(0, received.length);
      last = await requestAndGetToken(user.email);
    }
    received.splice(0, received.length);
    await requestPasswordReset({ db: db(), email: user.email, context });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mailsTo(user.email)).toHaveLength(0);
    expect(await findPasswordReset({ db: db(), token: last })).toEqual({ email: user.email });
    const refused = await db().auditEvent.findFirst({
      where: { action: "auth.password_reset.request", targetId: user.id, outcome: "DENIED" },
    });
    expect(refused?.reason).toBe("too many requests");
  });

  it(`sends nothing to anyone once a client address asked ${RESET_REQUESTS_PER_CLIENT.limit} times in the hour`, async () => {
    for (let i = 0; i < RESET_REQUESTS_PER_CLIENT.limit; i++)
      await requestPasswordReset({ db: db(), email: `nobody-${uniqueSuffix()}@example.test`, context });
    const user = await userWithPassword();
    await requestPasswordReset({ db: db(), email: user.email, context });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mailsTo(user.email)).toHaveLength(0);
    const refused = await db().auditEvent.findFirstOrThrow({
      where: { action: "auth.password_reset.request", targetId: user.id, outcome: "DENIED" },
    });
    expect(refused).toMatchObject({
      reason: "too many requests from this address",
      clientIp: context.clientIp,
    });
    // Another client still gets its link.
    context.clientIp = "198.19.0.1";
    await requestAndGetToken(user.email);
  });

  it("returns normally and sends nothing for unknown, deactivated and password-less addresses", async () => {
    const unknown = `nobody-${uniqueSuffix()}@example.test`;
    const deactivated = await userWithPassword({ status: "DEACTIVATED" });
    const passwordless = await createUser(db(), { email: `sso-${uniqueSuffix()}@example.test` });
    for (const email of [unknown, deactivated.email, passwordless.email]) {
      await expect(requestPasswordReset({ db: db(), email, context })).resolves.toBeUndefined();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const email of [unknown, deactivated.email, passwordless.email]) expect(mailsTo(email)).toEqual([]);
    const rows = await db().verificationToken.count({
      where: {
        identifier: { in: [`password-reset:${deactivated.id}`, `password-reset:${passwordless.id}`] },
      },
    });
    expect(rows).toBe(0);
    const denied = await db().auditEvent.findFirstOrThrow({
      where: {
        action: "auth.password_reset.request",
        outcome: "DENIED",
        metadata: { path: ["email"], equals: unknown },
      },
    });
    expect(denied.reason).toBe("no such account");
  });
});

describe("completePasswordReset", () => {
  it("sets the new password, ends every session, lifts a lockout, and works once", async () => {
    const user = await userWithPassword();
    await db().user.update({
      where: { id: user.id },
      data: { lockedUntil: new Date(Date.now() + 10 * 60_000), failedLoginCount: 3 },
    });
    const { sessionId } = await startSession({ db: db(), userId: user.id, method: "test", context: {} });
    expect(await resolveSession({ db: db(), sessionId })).not.toBeNull();
    const token = await requestAndGetToken(user.email);

    await expect(
      completePasswordReset({ db: db(), token, password: NEW_PASSWORD, context }),
    ).resolves.toEqual({
      email: user.email,
    });

    const updated = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(await verifyPassword(updated.passwordHash ?? "", NEW_PASSWORD)).toBe(true);
    expect(await verifyPassword(updated.passwordHash ?? "", OLD_PASSWORD)).toBe(false);
    expect(updated.lockedUntil).toBeNull();
    expect(updated.failedLoginCount).toBe(0);
    expect(updated.sessionVersion).toBe(user.sessionVersion + 1);
    expect(await resolveSession({ db: db(), sessionId })).toBeNull();
    expect(await db().verificationToken.count({ where: { identifier: `password-reset:${user.id}` } })).toBe(
      0,
    );

    expect(await findPasswordReset({ db: db(), token })).toBeNull();
    const again = await appError(
      completePasswordReset({ db: db(), token, password: "yet another fresh passphrase", context }),
    );
    expect(again).toMatchObject({ code: "NOT_FOUND", message: INVALID_LINK });
    const after = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.passwordHash).toBe(updated.passwordHash);
  });

  it("refuses an expired link (31 minutes later)", async () => {
    const user = await userWithPassword();
    const token = await requestAndGetToken(user.email);
    const later = new Date(Date.now() + 31 * 60_000);
    expect(await findPasswordReset({ db: db(), token, now: later })).toBeNull();
    const error = await appError(
      completePasswordReset({ db: db(), token, password: NEW_PASSWORD, context, now: later }),
    );
    expect(error).toMatchObject({ code: "NOT_FOUND", message: INVALID_LINK });
    const unchanged = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(await verifyPassword(unchanged.passwordHash ?? "", OLD_PASSWORD)).toBe(true);
  });

  it("refuses a made-up token", async () => {
    const error = await appError(
      completePasswordReset({ db: db(), token: "not-a-real-token", password: NEW_PASSWORD, context }),
    );
    expect(error).toMatchObject({ code: "NOT_FOUND", message: INVALID_LINK });
  });

  it("refuses a weak password with the policy's message, leaving the link usable", async () => {
    const user = await userWithPassword();
    const token = await requestAndGetToken(user.email);
    const error = await appError(
      completePasswordReset({ db: db(), token, password: "password1234", context }),
    );
    expect(error).toMatchObject({
      code: "BAD_REQUEST",
      message: "This password is too common; choose one that is harder to guess.",
      details: { field: "password" },
    });
    const short = await appError(completePasswordReset({ db: db(), token, password: "short", context }));
    expect(short).toMatchObject({ code: "BAD_REQUEST", message: "Use at least 12 characters." });
    expect(await findPasswordReset({ db: db(), token })).toEqual({ email: user.email });
  });

  it("audits the request and the reset, without the token", async () => {
    const user = await userWithPassword();
    const token = await requestAndGetToken(user.email);
    await completePasswordReset({ db: db(), token, password: NEW_PASSWORD, context });

    const events = await db().auditEvent.findMany({
      where: { targetType: "user", targetId: user.id, action: { startsWith: "auth.password_reset." } },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
    });
    expect(events.map((event) => event.action)).toEqual([
      "auth.password_reset.request",
      "auth.password_reset.complete",
    ]);
    expect(events[0]).toMatchObject({ outcome: "OK", actorUserId: null, clientIp: context.clientIp });
    expect(events[1]).toMatchObject({
      outcome: "OK",
      actorUserId: user.id,
      clientIp: context.clientIp,
      userAgent: context.userAgent,
      metadata: { email: user.email, sessionsEnded: 0 },
    });
    const stored = JSON.stringify(events);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(NEW_PASSWORD);
  });
});
