import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as trpcGet } from "@/app/api/trpc/[trpc]/route";
import { createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { hashPassword } from "@/server/crypto/password";
import { db, disconnectDb } from "@/server/db";
import { env } from "@/server/env";
import { disconnectRedis, redis } from "@/server/redis";
import { checkPasswordPolicy } from "@/server/services/auth/password-policy";
import { passwordSignIn } from "@/server/services/auth/password-sign-in";
import { resolveSession, startSession } from "@/server/services/auth/sessions";
import { type Caller, callerFor, cookieFor, TEST_CLIENT_IP, TEST_USER_AGENT } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

const PASSWORD = "long enough passphrase for tests";
const BASE = "http://localhost:3000";

let admin: Awaited<ReturnType<typeof signedInUser>>;
let asAdmin: Caller;

beforeAll(async () => {
  admin = await signedInUser(db(), "ADMIN");
  asAdmin = await callerFor(admin.sessionId);
});

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

function signIn(email: string, password: string) {
  return passwordSignIn({
    db: db(),
    redis: redis(),
    redisPrefix: env().REDIS_KEY_PREFIX,
    email,
    password,
    context: { clientIp: TEST_CLIENT_IP },
  });
}

/** profile.get over HTTP with `cookie`, as the browser would call it; returns the status. */
async function profileStatus(cookie: string): Promise<number> {
  const response = await trpcGet(new Request(`${BASE}/api/trpc/profile.get`, { headers: { cookie } }));
  return response.status;
}

async function userWithSessionsAndTokens() {
  const user = await createUser(db(), { passwordHash: await hashPassword(PASSWORD) });
  const first = await startSession({ db: db(), userId: user.id, method: "password", context: {} });
  const second = await startSession({ db: db(), userId: user.id, method: "password", context: {} });
  const alreadyRevokedAt = new Date(Date.now() - 86_400_000);
  const tokens = await Promise.all(
    [null, null, alreadyRevokedAt].map((revokedAt) =>
      db().apiToken.create({
        data: {
          userId: user.id,
          name: `token ${uniqueSuffix()}`,
          keyId: randomBytes(8).toString("hex"),
          secretHash: "hash",
          revokedAt,
        },
      }),
    ),
  );
  return { user, sessionIds: [first.sessionId, second.sessionId], tokens, alreadyRevokedAt };
}

describe("users.deactivate", () => {
  it("cuts open sessions on the next request and revokes API tokens, in one audited change", async () => {
    const { user, sessionIds, tokens, alreadyRevokedAt } = await userWithSessionsAndTokens();
    const [sessionId] = sessionIds;
    if (!sessionId) throw new Error("setup");
    const cookie = await cookieFor(sessionId);
    expect(await profileStatus(cookie)).toBe(200);

    const row = await asAdmin.users.deactivate({ userId: user.id });
    expect(row).toMatchObject({ id: user.id, status: "DEACTIVATED" });
    expect(row.deactivatedAt).toBeInstanceOf(Date);

    expect(await resolveSession({ db: db(), sessionId })).toBeNull();
    expect(await profileStatus(cookie)).toBe(401);
    expect(await db().session.count({ where: { userId: user.id } })).toBe(0);

    const after = await db().apiToken.findMany({ where: { userId: user.id } });
    expect(after.every((token) => token.revokedAt !== null)).toBe(true);
    // A token revoked earlier keeps its original revocation time.
    expect(after.find((token) => token.id === tokens[2]?.id)?.revokedAt).toEqual(alreadyRevokedAt);

    const event = await db().auditEvent.findFirstOrThrow({
      where: { action: "user.deactivate", targetId: user.id, outcome: "OK" },
    });
    expect(event).toMatchObject({
      actorUserId: admin.user.id,
      targetType: "user",
      clientIp: TEST_CLIENT_IP,
      userAgent: TEST_USER_AGENT,
    });
    expect(event.metadata).toMatchObject({
      before: { status: "ACTIVE" },
      after: { status: "DEACTIVATED" },
      sessionsEnded: 2,
      tokensRevoked: 2,
    });

    expect(await signIn(user.email, PASSWORD)).toEqual({ ok: false, reason: "deactivated" });
  });

  it("lets a reactivated user sign in again with a new session, while the old one stays dead", async () => {
    const { user, sessionIds } = await userWithSessionsAndTokens();
    const oldCookie = await cookieFor(sessionIds[0] ?? "");
    await asAdmin.users.deactivate({ userId: user.id });

    const row = await asAdmin.users.reactivate({ userId: user.id });
    expect(row).toMatchObject({ status: "ACTIVE", deactivatedAt: null });
    const event = await db().auditEvent.findFirstOrThrow({
      where: { action: "user.reactivate", targetId: user.id },
    });
    expect(event.metadata).toMatchObject({ before: { status: "DEACTIVATED" }, after: { status: "ACTIVE" } });
    expect(event).toMatchObject({ actorUserId: admin.user.id, clientIp: TEST_CLIENT_IP });

    const signedIn = await signIn(user.email, PASSWORD);
    expect(signedIn).toEqual({ ok: true, userId: user.id });
    const { sessionId } = await startSession({ db: db(), userId: user.id, method: "password", context: {} });
    expect(await resolveSession({ db: db(), sessionId })).toMatchObject({
      user: { id: user.id, status: "ACTIVE" },
    });
    expect(await profileStatus(await cookieFor(sessionId))).toBe(200);
    expect(await profileStatus(oldCookie)).toBe(401);
    // Tokens revoked by the deactivation stay revoked.
    expect(await db().apiToken.count({ where: { userId: user.id, revokedAt: null } })).toBe(0);
  });

  it("does nothing to a user who is already deactivated", async () => {
    const user = await createUser(db(), {
      status: "DEACTIVATED",
      deactivatedAt: new Date(Date.now() - 1000),
    });
    const row = await asAdmin.users.deactivate({ userId: user.id });
    expect(row.deactivatedAt).toEqual(user.deactivatedAt);
    expect(await db().auditEvent.count({ where: { action: "user.deactivate", targetId: user.id } })).toBe(0);
  });
});

describe("users.unlock", () => {
  it("lifts a lockout so the user can sign in at once", async () => {
    const lockedUntil = new Date(Date.now() + 10 * 60_000);
    const user = await createUser(db(), {
      passwordHash: await hashPassword(PASSWORD),
      lockedUntil,
      failedLoginCount: 3,
    });
    expect(await signIn(user.email, PASSWORD)).toMatchObject({ ok: false, reason: "locked" });

    const row = await asAdmin.users.unlock({ userId: user.id });
    expect(row.lockedUntil).toBeNull();
    expect(await db().user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({
      lockedUntil: null,
      failedLoginCount: 0,
    });
    const event = await db().auditEvent.findFirstOrThrow({
      where: { action: "user.unlock", targetId: user.id },
    });
    expect(event.metadata).toMatchObject({
      before: { lockedUntil: lockedUntil.toISOString(), failedLoginCount: 3 },
      after: { lockedUntil: null, failedLoginCount: 0 },
    });
    expect(event).toMatchObject({ clientIp: TEST_CLIENT_IP, userAgent: TEST_USER_AGENT });
    expect(await signIn(user.email, PASSWORD)).toEqual({ ok: true, userId: user.id });
  });
});

describe("users.resetPassword", () => {
  it("returns a one-time password that works, ends the user's sessions and never logs it", async () => {
    const { user, sessionIds } = await userWithSessionsAndTokens();
    await db().user.update({
      where: { id: user.id },
      data: { lockedUntil: new Date(Date.now() + 600_000), failedLoginCount: 4 },
    });

    const { temporaryPassword } = await asAdmin.users.resetPassword({ userId: user.id });
    expect(temporaryPassword).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
    expect(checkPasswordPolicy(temporaryPassword, { email: user.email })).toBeNull();

    const stored = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    expect(stored.passwordHash).not.toContain(temporaryPassword);
    expect(stored).toMatchObject({ lockedUntil: null, failedLoginCount: 0 });
    for (const sessionId of sessionIds) expect(await resolveSession({ db: db(), sessionId })).toBeNull();

    expect(await signIn(user.email, PASSWORD)).toEqual({ ok: false, reason: "invalid" });
    expect(await signIn(user.email, temporaryPassword)).toEqual({ ok: true, userId: user.id });

    const event = await db().auditEvent.findFirstOrThrow({
      where: { action: "user.password.reset", targetId: user.id },
    });
    expect(event).toMatchObject({ outcome: "OK", actorUserId: admin.user.id, clientIp: TEST_CLIENT_IP });
    expect(event.metadata).toMatchObject({ hadPassword: true, sessionsEnded: 2 });
    expect(JSON.stringify(event)).not.toContain(temporaryPassword);
  });
});
