import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { env } from "@/server/env";
import { disconnectRedis, redis } from "@/server/redis";
import { hashInvitationToken } from "@/server/services/auth/admit-user";
import { passwordSignIn } from "@/server/services/auth/password-sign-in";
import { acceptInvitation, findInvitationByToken } from "@/server/services/invitations/accept-invitation";
import { type Caller, callerFor, expectTrpcError, TEST_CLIENT_IP, TEST_USER_AGENT } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

const PASSWORD = "a sturdy invitation passphrase";
const INVALID_LINK = "This invitation link is invalid or has expired.";
const acceptContext = { clientIp: "198.51.100.77", userAgent: "invitee-browser" };

let admin: Awaited<ReturnType<typeof signedInUser>>;
let owner: Awaited<ReturnType<typeof signedInUser>>;
let asAdmin: Caller;
let asOwner: Caller;

beforeAll(async () => {
  admin = await signedInUser(db(), "ADMIN");
  owner = await signedInUser(db(), "OWNER");
  asAdmin = await callerFor(admin.sessionId);
  asOwner = await callerFor(owner.sessionId);
});

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

function newEmail() {
  return `invitee-${uniqueSuffix()}@example.test`;
}

function tokenOf(url: string): string {
  const token = url.split("/invite/")[1];
  if (!token) throw new Error(`no token in ${url}`);
  return token;
}

function accept(token: string, password = PASSWORD, name = "Ada Invitee") {
  return acceptInvitation({ db: db(), token, name, password, context: acceptContext });
}

async function appError(promise: Promise<unknown>) {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: { code: string; message: string; details?: Record<string, unknown> }) => error,
  );
}

describe("invitations.create", () => {
  it("returns a one-time link, stores only its hash, and audits without the token", async () => {
    const email = newEmail();
    const { invitation, url } = await asAdmin.invitations.create({
      email: `  ${email.toUpperCase()} `,
      role: "POWER_USER_PLUS",
    });
    expect(url.startsWith(`${env().GATEHOUSE_PUBLIC_URL}/invite/`)).toBe(true);
    const token = tokenOf(url);
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(invitation).toMatchObject({
      email,
      role: "POWER_USER_PLUS",
      status: "pending",
      invitedBy: { id: admin.user.id, name: admin.user.name, email: admin.user.email },
    });
    const days = (invitation.expiresAt.getTime() - invitation.createdAt.getTime()) / 86_400_000;
    expect(days).toBeCloseTo(7, 3);

    const stored = await db().invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(stored.tokenHash).toBe(hashInvitationToken(token));
    const event = await db().auditEvent.findFirstOrThrow({
      where: { action: "invitation.create", targetId: invitation.id },
    });
    expect(event).toMatchObject({
      outcome: "OK",
      actorUserId: admin.user.id,
      clientIp: TEST_CLIENT_IP,
      userAgent: TEST_USER_AGENT,
    });
    expect(event.metadata).toMatchObject({ email, role: "POWER_USER_PLUS" });
    expect(JSON.stringify(event)).not.toContain(token);

    const listed = await asAdmin.invitations.list();
    expect(listed.find((row) => row.id === invitation.id)).toEqual(invitation);
  });

  it("refuses an Admin inviting an Owner (DENIED in the audit log), and lets an Owner do it", async () => {
    const email = newEmail();
    await expectTrpcError(
      asAdmin.invitations.create({ email, role: "OWNER" }),
      "FORBIDDEN",
      "Only an Owner can invite someone as an Owner.",
    );
    expect(await db().invitation.count({ where: { email } })).toBe(0);
    const denied = await db().auditEvent.findFirstOrThrow({
      where: { action: "invitation.create", actorUserId: admin.user.id, outcome: "DENIED" },
      orderBy: { occurredAt: "desc" },
    });
    expect(denied.metadata).toMatchObject({ email, role: "OWNER" });

    const { invitation, url } = await asOwner.invitations.create({ email, role: "OWNER" });
    expect(invitation.role).toBe("OWNER");
    const { userId } = await accept(tokenOf(url));
    expect((await db().user.findUniqueOrThrow({ where: { id: userId } })).role).toBe("OWNER");
  });

  it("refuses an address that already has an account", async () => {
    const user = await createUser(db());
    await expectTrpcError(
      asAdmin.invitations.create({ email: user.email }),
      "CONFLICT",
      /already has an account/,
    );
  });

  it("replaces a pending invitation to the same address: only the newest link works", async () => {
    const email = newEmail();
    const first = await asAdmin.invitations.create({ email });
    const second = await asAdmin.invitations.create({ email, role: "POWER_USER" });
    const rows = await asAdmin.invitations.list();
    expect(rows.find((row) => row.id === first.invitation.id)?.status).toBe("revoked");
    expect(rows.find((row) => row.id === second.invitation.id)?.status).toBe("pending");
    expect(await appError(accept(tokenOf(first.url)))).toMatchObject({
      code: "NOT_FOUND",
      message: INVALID_LINK,
    });
    const { userId } = await accept(tokenOf(second.url));
    expect((await db().user.findUniqueOrThrow({ where: { id: userId } })).role).toBe("POWER_USER");
  });

  it("validates input: email, expiry range, no extra fields", async () => {
    await expectTrpcError(asAdmin.invitations.create({ email: "not an email" }), "BAD_REQUEST");
    await expectTrpcError(
      asAdmin.invitations.create({ email: newEmail(), expiresInDays: 31 }),
      "BAD_REQUEST",
    );
    await expectTrpcError(asAdmin.invitations.create({ email: newEmail(), expiresInDays: 0 }), "BAD_REQUEST");
    await expectTrpcError(
      asAdmin.invitations.create({ email: newEmail(), invitedById: owner.user.id } as never),
      "BAD_REQUEST",
    );
    const { invitation } = await asAdmin.invitations.create({ email: newEmail(), expiresInDays: 1 });
    expect(invitation.expiresAt.getTime() - invitation.createdAt.getTime()).toBe(86_400_000);
  });
});

describe("accepting an invitation", () => {
  it("creates the user with the invited role, once; they can sign in with their password", async () => {
    const email = newEmail();
    const { invitation, url } = await asAdmin.invitations.create({ email, role: "POWER_USER" });
    const token = tokenOf(url);
    expect(await findInvitationByToken({ db: db(), token })).toEqual({
      email,
      role: "POWER_USER",
      status: "pending",
    });

    const { userId } = await accept(token, PASSWORD, "  Ada Lovelace ");
    const user = await db().user.findUniqueOrThrow({ where: { id: userId } });
    expect(user).toMatchObject({ email, name: "Ada Lovelace", role: "POWER_USER", status: "ACTIVE" });
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);

    expect(await findInvitationByToken({ db: db(), token })).toMatchObject({ status: "accepted" });
    expect((await asAdmin.invitations.list()).find((row) => row.id === invitation.id)?.status).toBe(
      "accepted",
    );
    const created = await db().auditEvent.findFirstOrThrow({
      where: { action: "user.create", targetId: userId },
    });
    expect(created).toMatchObject({ actorUserId: userId, clientIp: acceptContext.clientIp });
    expect(created.metadata).toMatchObject({
      method: "invitation",
      role: "POWER_USER",
      because: "invitation",
    });
    expect(
      await db().auditEvent.count({ where: { action: "invitation.accept", targetId: invitation.id } }),
    ).toBe(1);

    expect(await appError(accept(token))).toMatchObject({ code: "NOT_FOUND", message: INVALID_LINK });

    const signIn = await passwordSignIn({
      db: db(),
      redis: redis(),
      redisPrefix: env().REDIS_KEY_PREFIX,
      email,
      password: PASSWORD,
      context: {},
    });
    expect(signIn).toEqual({ ok: true, userId });
  });

  it("lets only one of two simultaneous submissions through", async () => {
    const { url } = await asAdmin.invitations.create({ email: newEmail() });
    const results = await Promise.allSettled([accept(tokenOf(url)), accept(tokenOf(url))]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    expect(results.find((result) => result.status === "rejected")?.reason).toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("refuses an expired link", async () => {
    const { invitation, url } = await asAdmin.invitations.create({ email: newEmail() });
    await db().invitation.update({
      where: { id: invitation.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await findInvitationByToken({ db: db(), token: tokenOf(url) })).toMatchObject({
      status: "expired",
    });
    expect(await appError(accept(tokenOf(url)))).toMatchObject({ code: "NOT_FOUND", message: INVALID_LINK });
    expect((await asAdmin.invitations.list()).find((row) => row.id === invitation.id)?.status).toBe(
      "expired",
    );
    expect(await db().user.count({ where: { email: invitation.email } })).toBe(0);
  });

  it("refuses a revoked link; revoking is audited and cannot be repeated", async () => {
    const { invitation, url } = await asAdmin.invitations.create({ email: newEmail() });
    const revoked = await asAdmin.invitations.revoke({ invitationId: invitation.id });
    expect(revoked).toMatchObject({ id: invitation.id, status: "revoked" });
    expect(await appError(accept(tokenOf(url)))).toMatchObject({ code: "NOT_FOUND", message: INVALID_LINK });
    const event = await db().auditEvent.findFirstOrThrow({
      where: { action: "invitation.revoke", targetId: invitation.id },
    });
    expect(event).toMatchObject({
      actorUserId: admin.user.id,
      clientIp: TEST_CLIENT_IP,
      userAgent: TEST_USER_AGENT,
    });
    expect(event.metadata).toMatchObject({ before: "pending", after: "revoked" });
    await expectTrpcError(asAdmin.invitations.revoke({ invitationId: invitation.id }), "CONFLICT");
    await expectTrpcError(asAdmin.invitations.revoke({ invitationId: crypto.randomUUID() }), "NOT_FOUND");
  });

  it("stops a pending link when its sender is deactivated or can no longer invite", async () => {
    const sender = await signedInUser(db(), "ADMIN");
    const asSender = await callerFor(sender.sessionId);
    const [first, second] = [
      await asSender.invitations.create({ email: newEmail() }),
      await asSender.invitations.create({ email: newEmail() }),
    ];
    // Demoted below Admin: the links they sent no longer admit anyone.
    await asOwner.users.setRole({ userId: sender.user.id, role: "POWER_USER" });
    expect(await findInvitationByToken({ db: db(), token: tokenOf(first.url) })).toMatchObject({
      status: "revoked",
    });
    expect(await appError(accept(tokenOf(first.url)))).toMatchObject({
      code: "NOT_FOUND",
      message: INVALID_LINK,
    });
    // Admin again, then deactivated: the same.
    await asOwner.users.setRole({ userId: sender.user.id, role: "ADMIN" });
    expect(await findInvitationByToken({ db: db(), token: tokenOf(second.url) })).toMatchObject({
      status: "pending",
    });
    await asOwner.users.deactivate({ userId: sender.user.id });
    expect(await appError(accept(tokenOf(second.url)))).toMatchObject({ code: "NOT_FOUND" });
    expect(
      await db().user.count({ where: { email: { in: [first.invitation.email, second.invitation.email] } } }),
    ).toBe(0);
  });

  it("refuses an unknown token", async () => {
    expect(await findInvitationByToken({ db: db(), token: "no-such-token" })).toBeNull();
    expect(await appError(accept("no-such-token"))).toMatchObject({
      code: "NOT_FOUND",
      message: INVALID_LINK,
    });
  });

  it("refuses weak passwords, saying what is wrong, and keeps the link usable", async () => {
    const email = newEmail();
    const { url } = await asAdmin.invitations.create({ email });
    const token = tokenOf(url);
    const weak: [string, RegExp][] = [
      ["short", /at least 12 characters/],
      ["x".repeat(1025), /at most 1024 characters/],
      [email, /email address/],
      [email.split("@")[0] ?? "", /email address/],
      ["password1234", /too common/],
      ["QWERTYUIOPAS", /too common/],
      ["123456789012", /too common/],
    ];
    for (const [password, problem] of weak) {
      const error = await appError(accept(token, password));
      expect(error, password).toMatchObject({ code: "BAD_REQUEST", details: { field: "password" } });
      expect(error.message).toMatch(problem);
    }
    expect(await appError(accept(token, PASSWORD, "   "))).toMatchObject({
      code: "BAD_REQUEST",
      details: { field: "name" },
    });
    expect(await findInvitationByToken({ db: db(), token })).toMatchObject({ status: "pending" });
    await accept(token);
  });
});
