import { afterAll, describe, expect, it } from "vitest";
import { createUser } from "@/prisma/seed/factories";
import { hashPassword, verifyPassword } from "@/server/crypto/password";
import { db, disconnectDb } from "@/server/db";
import { env } from "@/server/env";
import { disconnectRedis, redis } from "@/server/redis";
import { MAX_FAILED_ATTEMPTS, passwordSignIn } from "@/server/services/auth/password-sign-in";
import { resolveSession, startSession } from "@/server/services/auth/sessions";
import { callerFor, expectTrpcError, TEST_CLIENT_IP, TEST_USER_AGENT } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

const OLD_PASSWORD = "the passphrase an admin once saw";
const NEW_PASSWORD = "a fresh passphrase only I know";
const WRONG_CURRENT = "Your current password is not right.";

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

/** A password user signed in here (the session making the change) and on a laptop. */
async function passwordUserOnTwoDevices() {
  const user = await createUser(db(), { passwordHash: await hashPassword(OLD_PASSWORD) });
  const here = await startSession({ db: db(), userId: user.id, method: "password", context: {} });
  const laptop = await startSession({
    db: db(),
    userId: user.id,
    method: "password",
    context: { clientIp: "192.0.2.44", userAgent: "Mozilla/5.0 (Macintosh) Firefox/140.0" },
  });
  return { user, sessionId: here.sessionId, laptopSessionId: laptop.sessionId };
}

/** Sign-in judged by the account's own rules only (the per-address throttle is not under test). */
function signIn(email: string, password: string) {
  return passwordSignIn({
    db: db(),
    redis: redis(),
    redisPrefix: env().REDIS_KEY_PREFIX,
    email,
    password,
    context: { clientIp: TEST_CLIENT_IP, userAgent: TEST_USER_AGENT },
    failuresPerAddress: 0,
  });
}

/** The refusal of a tRPC call: its code, message and the AppError's details. */
async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => {
      throw new Error("expected the call to be refused");
    },
    (caught: { code: string; message: string; cause?: { details?: Record<string, unknown> } }) => caught,
  );
  return { code: error.code, message: error.message, details: error.cause?.details };
}

async function storedHash(userId: string): Promise<string> {
  const user = await db().user.findUniqueOrThrow({ where: { id: userId }, select: { passwordHash: true } });
  return user.passwordHash ?? "";
}

describe("profile.changePassword", () => {
  it("replaces the password, ends the other sessions and keeps this one, audited without passwords", async () => {
    const { user, sessionId, laptopSessionId } = await passwordUserOnTwoDevices();
    const bystander = await signedInUser(db(), "ADMIN");
    const caller = await callerFor(sessionId);

    expect(
      await caller.profile.changePassword({ currentPassword: OLD_PASSWORD, newPassword: NEW_PASSWORD }),
    ).toEqual({ sessionsEnded: 1 });

    expect(await signIn(user.email, OLD_PASSWORD)).toEqual({ ok: false, reason: "invalid" });
    expect(await signIn(user.email, NEW_PASSWORD)).toEqual({ ok: true, userId: user.id });
    expect(await resolveSession({ db: db(), sessionId })).not.toBeNull();
    expect(await resolveSession({ db: db(), sessionId: laptopSessionId })).toBeNull();
    expect(await resolveSession({ db: db(), sessionId: bystander.sessionId })).not.toBeNull();
    // The session that made the change keeps working for the next request.
    expect((await (await callerFor(sessionId)).profile.get()).user.id).toBe(user.id);

    const events = await db().auditEvent.findMany({
      where: { action: "auth.password.change", targetId: user.id },
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      outcome: "OK",
      actorUserId: user.id,
      targetType: "user",
      clientIp: TEST_CLIENT_IP,
      userAgent: TEST_USER_AGENT,
      metadata: { sessionsEnded: 1 },
    });
    const text = JSON.stringify(events);
    expect(text).not.toContain(OLD_PASSWORD);
    expect(text).not.toContain(NEW_PASSWORD);
  });

  it("refuses a wrong current password and counts it toward the sign-in lockout", async () => {
    const { user, sessionId, laptopSessionId } = await passwordUserOnTwoDevices();
    const caller = await callerFor(sessionId);
    const withWrong = (i: number) =>
      caller.profile.changePassword({ currentPassword: `not it ${i}`, newPassword: NEW_PASSWORD });

    for (let i = 1; i < MAX_FAILED_ATTEMPTS; i++) {
      expect(await refusal(withWrong(i))).toEqual({
        code: "BAD_REQUEST",
        message: WRONG_CURRENT,
        details: { field: "currentPassword" },
      });
    }
    const locking = await refusal(withWrong(MAX_FAILED_ATTEMPTS));
    expect(locking.code).toBe("TOO_MANY_REQUESTS");
    expect(locking.message).toMatch(/^Your current password is not right\. .*locked until \d\d:\d\d UTC/);
    expect(locking.details).toMatchObject({ field: "currentPassword", lockedUntil: expect.any(String) });

    // Locked: even the right password is refused, here and at sign-in, and nothing changed.
    const refused = await refusal(
      caller.profile.changePassword({ currentPassword: OLD_PASSWORD, newPassword: NEW_PASSWORD }),
    );
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(/locked until/);
    expect(await signIn(user.email, OLD_PASSWORD)).toMatchObject({ ok: false, reason: "locked" });
    expect(await verifyPassword(await storedHash(user.id), OLD_PASSWORD)).toBe(true);
    expect(await resolveSession({ db: db(), sessionId: laptopSessionId })).not.toBeNull();

    expect(await db().auditEvent.count({ where: { action: "auth.lockout", targetId: user.id } })).toBe(1);
    const denied = await db().auditEvent.findMany({
      where: { action: "auth.password.change", targetId: user.id, outcome: "DENIED" },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
    });
    expect(denied.map((event) => event.reason)).toEqual([
      ...Array.from({ length: MAX_FAILED_ATTEMPTS }, () => "wrong current password"),
      "locked",
    ]);
    expect(JSON.stringify(denied)).not.toContain(OLD_PASSWORD);
  });

  it("shares one failure count with sign-in: failed sign-ins and a wrong current password lock together", async () => {
    const { user, sessionId } = await passwordUserOnTwoDevices();
    for (let i = 1; i < MAX_FAILED_ATTEMPTS; i++) {
      expect(await signIn(user.email, `guess ${i}`)).toEqual({ ok: false, reason: "invalid" });
    }
    const caller = await callerFor(sessionId);
    await expectTrpcError(
      caller.profile.changePassword({ currentPassword: "one more guess", newPassword: NEW_PASSWORD }),
      "TOO_MANY_REQUESTS",
    );
    expect(await signIn(user.email, OLD_PASSWORD)).toMatchObject({ ok: false, reason: "locked" });
  });

  it("puts the failure count back to 0 when the password is changed", async () => {
    const { user, sessionId } = await passwordUserOnTwoDevices();
    const caller = await callerFor(sessionId);
    await expectTrpcError(
      caller.profile.changePassword({ currentPassword: "not it", newPassword: NEW_PASSWORD }),
      "BAD_REQUEST",
      WRONG_CURRENT,
    );
    await caller.profile.changePassword({ currentPassword: OLD_PASSWORD, newPassword: NEW_PASSWORD });
    expect(await db().user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({
      failedLoginCount: 0,
      lockedUntil: null,
    });
  });

  it("refuses a weak new password, or the current one again, without counting an attempt", async () => {
    const { user, sessionId } = await passwordUserOnTwoDevices();
    const caller = await callerFor(sessionId);
    expect(
      await refusal(caller.profile.changePassword({ currentPassword: OLD_PASSWORD, newPassword: "short" })),
    ).toEqual({
      code: "BAD_REQUEST",
      message: "Use at least 12 characters.",
      details: { field: "newPassword" },
    });
    expect(
      await refusal(
        caller.profile.changePassword({ currentPassword: OLD_PASSWORD, newPassword: "password1234" }),
      ),
    ).toMatchObject({ code: "BAD_REQUEST", details: { field: "newPassword" } });
    expect(
      await refusal(
        caller.profile.changePassword({ currentPassword: OLD_PASSWORD, newPassword: OLD_PASSWORD }),
      ),
    ).toEqual({
      code: "BAD_REQUEST",
      message: "Choose a password different from your current one.",
      details: { field: "newPassword" },
    });
    const stored = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.failedLoginCount).toBe(0);
    expect(await verifyPassword(stored.passwordHash ?? "", OLD_PASSWORD)).toBe(true);
    expect(
      await db().auditEvent.count({ where: { action: "auth.password.change", targetId: user.id } }),
    ).toBe(0);
  });

  it("tells a user who signs in through an identity provider that there is no password to change", async () => {
    const self = await signedInUser(db(), "BASIC_USER");
    await db().account.create({
      data: {
        userId: self.user.id,
        type: "oidc",
        provider: "oidc",
        providerAccountId: `sub-${self.user.id}`,
      },
    });
    const caller = await callerFor(self.sessionId);
    await expectTrpcError(
      caller.profile.changePassword({ currentPassword: "anything at all", newPassword: NEW_PASSWORD }),
      "BAD_REQUEST",
      "Your account signs in through Single sign-on; it has no Gatehouse password to change.",
    );
    const stored = await db().user.findUniqueOrThrow({ where: { id: self.user.id } });
    expect(stored).toMatchObject({ passwordHash: null, failedLoginCount: 0 });
  });

  it("validates its input strictly", async () => {
    const { sessionId } = await passwordUserOnTwoDevices();
    const caller = await callerFor(sessionId);
    await expectTrpcError(
      caller.profile.changePassword({ currentPassword: "", newPassword: NEW_PASSWORD }),
      "BAD_REQUEST",
    );
    await expectTrpcError(
      caller.profile.changePassword({
        currentPassword: OLD_PASSWORD,
        newPassword: NEW_PASSWORD,
        userId: crypto.randomUUID(),
      } as never),
      "BAD_REQUEST",
    );
    await expectTrpcError(
      (await callerFor(null)).profile.changePassword({
        currentPassword: OLD_PASSWORD,
        newPassword: NEW_PASSWORD,
      }),
      "UNAUTHORIZED",
    );
  });
});
