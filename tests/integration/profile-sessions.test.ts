import { afterAll, describe, expect, it } from "vitest";
import { GET as trpcGet } from "@/app/api/trpc/[trpc]/route";
import { db, disconnectDb } from "@/server/db";
import { resolveSession, startSession } from "@/server/services/auth/sessions";
import { callerFor, expectTrpcError, TEST_CLIENT_IP, TEST_USER_AGENT } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

afterAll(async () => {
  await disconnectDb();
});

/** A user signed in on a second device too, with one long-expired session left in the table. */
async function userOnTwoDevices() {
  const self = await signedInUser(db(), "POWER_USER");
  await new Promise((resolve) => setTimeout(resolve, 5));
  const laptop = await startSession({
    db: db(),
    userId: self.user.id,
    method: "password",
    context: { clientIp: "192.0.2.44", userAgent: "Mozilla/5.0 (Macintosh) Firefox/140.0" },
  });
  const expired = await db().session.create({
    data: {
      userId: self.user.id,
      sessionToken: `expired-${crypto.randomUUID()}`,
      expires: new Date(Date.now() - 60_000),
    },
  });
  return { self, laptopSessionId: laptop.sessionId, expiredSessionId: expired.id };
}

describe("profile.get", () => {
  it("shows the caller's account, live sessions newest first with the current one marked, and identities", async () => {
    const { self, laptopSessionId } = await userOnTwoDevices();
    await db().account.create({
      data: {
        userId: self.user.id,
        type: "oidc",
        provider: "oidc",
        providerAccountId: `sub-${self.user.id}`,
      },
    });
    const profile = await (await callerFor(self.sessionId)).profile.get();
    expect(profile.user).toEqual({
      id: self.user.id,
      email: self.user.email,
      name: self.user.name,
      role: "POWER_USER",
      isAuditor: false,
      createdAt: self.user.createdAt,
      lastLoginAt: expect.any(Date),
      hasPassword: false,
    });
    expect(profile.sessions.map((session) => [session.id, session.isCurrent])).toEqual([
      [laptopSessionId, false],
      [self.sessionId, true],
    ]);
    expect(profile.sessions[0]).toMatchObject({
      ipAddress: "192.0.2.44",
      userAgent: "Mozilla/5.0 (Macintosh) Firefox/140.0",
    });
    expect(profile.identities).toEqual([
      { provider: "oidc", providerAccountId: `sub-${self.user.id}`, createdAt: expect.any(Date) },
    ]);
  });
});

describe("profile.endSession", () => {
  it("ends one of the caller's other sessions, audited", async () => {
    const { self, laptopSessionId } = await userOnTwoDevices();
    const caller = await callerFor(self.sessionId);
    expect(await caller.profile.endSession({ sessionId: laptopSessionId })).toEqual({ ended: true });
    expect(await resolveSession({ db: db(), sessionId: laptopSessionId })).toBeNull();
    expect(await resolveSession({ db: db(), sessionId: self.sessionId })).not.toBeNull();
    const event = await db().auditEvent.findFirstOrThrow({
      where: { action: "auth.session.end", targetId: laptopSessionId },
    });
    expect(event).toMatchObject({
      actorUserId: self.user.id,
      targetType: "session",
      clientIp: TEST_CLIENT_IP,
      userAgent: TEST_USER_AGENT,
    });
    expect(event.metadata).toMatchObject({ isCurrent: false, ipAddress: "192.0.2.44" });
    await expectTrpcError(caller.profile.endSession({ sessionId: laptopSessionId }), "NOT_FOUND");
  });

  it("answers another user's session id with NOT_FOUND and leaves that session alone", async () => {
    const self = await signedInUser(db(), "BASIC_USER");
    const other = await signedInUser(db(), "ADMIN");
    const caller = await callerFor(self.sessionId);
    await expectTrpcError(
      caller.profile.endSession({ sessionId: other.sessionId }),
      "NOT_FOUND",
      "This session does not exist or has already ended. Reload the page.",
    );
    expect(await resolveSession({ db: db(), sessionId: other.sessionId })).not.toBeNull();
    expect(
      await db().auditEvent.count({ where: { action: "auth.session.end", targetId: other.sessionId } }),
    ).toBe(0);
    await expectTrpcError(caller.profile.endSession({ sessionId: crypto.randomUUID() }), "NOT_FOUND");
    await expectTrpcError(
      caller.profile.endSession({ sessionId: other.sessionId, userId: other.user.id } as never),
      "BAD_REQUEST",
    );
  });
});

describe("profile.signOutEverywhere", () => {
  it("ends every session of the caller, the current one included", async () => {
    const { self, laptopSessionId } = await userOnTwoDevices();
    const bystander = await signedInUser(db(), "BASIC_USER");
    const caller = await callerFor(self.sessionId);
    // The expired row is removed too, so three rows end.
    expect(await caller.profile.signOutEverywhere()).toEqual({ ended: 3 });
    for (const sessionId of [self.sessionId, laptopSessionId]) {
      expect(await resolveSession({ db: db(), sessionId })).toBeNull();
    }
    expect(await resolveSession({ db: db(), sessionId: bystander.sessionId })).not.toBeNull();

    const response = await trpcGet(
      new Request("http://localhost:3000/api/trpc/profile.get", { headers: { cookie: self.cookie } }),
    );
    expect(response.status).toBe(401);
    await expectTrpcError((await callerFor(self.sessionId)).profile.get(), "UNAUTHORIZED");

    const event = await db().auditEvent.findFirstOrThrow({
      where: { action: "auth.signout.everywhere", actorUserId: self.user.id },
    });
    expect(event).toMatchObject({
      targetId: self.user.id,
      clientIp: TEST_CLIENT_IP,
      userAgent: TEST_USER_AGENT,
    });
    expect(event.metadata).toEqual({ sessionsEnded: 3 });
  });
});
