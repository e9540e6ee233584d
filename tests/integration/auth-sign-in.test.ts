import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createTeam, createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { hashPassword } from "@/server/crypto/password";
import { db, disconnectDb } from "@/server/db";
import { env } from "@/server/env";
import { disconnectRedis, redis } from "@/server/redis";
import { hashInvitationToken } from "@/server/services/auth/admit-user";
import { externalSignIn } from "@/server/services/auth/external-sign-in";
import {
  LOCKOUT_MINUTES,
  MAX_FAILED_ATTEMPTS,
  passwordSignIn,
} from "@/server/services/auth/password-sign-in";
import { endSession, resolveSession, startSession } from "@/server/services/auth/sessions";

const context = { clientIp: "198.51.100.23", userAgent: "vitest", requestId: "req-test" };
const PASSWORD = "correct horse battery staple";

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

/** An attempt judged by the account's own rules (the per-address throttle is tested on its own). */
function attempt(email: string, password: string, now?: Date) {
  return passwordSignIn({
    db: db(),
    redis: redis(),
    redisPrefix: env().REDIS_KEY_PREFIX,
    email,
    password,
    context,
    now,
    failuresPerAddress: 0,
  });
}

function attemptFrom(clientIp: string, email: string, password: string, failuresPerAddress: number) {
  return passwordSignIn({
    db: db(),
    redis: redis(),
    redisPrefix: env().REDIS_KEY_PREFIX,
    email,
    password,
    context: { ...context, clientIp },
    failuresPerAddress,
  });
}

/** An address of the documentation ranges no other test uses. */
function freshIpv4(): string {
  const [a, b] = randomBytes(2);
  return `203.0.${a}.${b}`;
}

async function userWithPassword(extra: { status?: "ACTIVE" | "DEACTIVATED" } = {}) {
  return createUser(db(), { passwordHash: await hashPassword(PASSWORD), ...extra });
}

describe("password sign-in", () => {
  it("accepts the right password, case-insensitively on the email", async () => {
    const user = await userWithPassword();
    expect(await attempt(`  ${user.email.toUpperCase()} `, PASSWORD)).toEqual({ ok: true, userId: user.id });
  });

  it("answers a wrong password and an unknown email identically", async () => {
    const user = await userWithPassword();
    expect(await attempt(user.email, "wrong password")).toEqual({ ok: false, reason: "invalid" });
    expect(await attempt(`nobody-${uniqueSuffix()}@example.test`, "wrong password")).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it(`locks an account for ${LOCKOUT_MINUTES} minutes after ${MAX_FAILED_ATTEMPTS} failures, with an audit trail`, async () => {
    const user = await userWithPassword();
    const now = new Date();
    for (let i = 1; i < MAX_FAILED_ATTEMPTS; i++) {
      expect(await attempt(user.email, `wrong ${i}`, now)).toEqual({ ok: false, reason: "invalid" });
    }
    const locked = await attempt(user.email, "wrong again", now);
    expect(locked).toEqual({
      ok: false,
      reason: "locked",
      lockedUntil: new Date(now.getTime() + LOCKOUT_MINUTES * 60_000),
    });
    // Even the right password is refused while locked.
    expect((await attempt(user.email, PASSWORD, new Date(now.getTime() + 60_000))).ok).toBe(false);

    const events = await db().auditEvent.findMany({
      where: { targetId: user.id },
      orderBy: { occurredAt: "asc" },
    });
    expect(events.filter((event) => event.action === "auth.signin.failed")).toHaveLength(
      MAX_FAILED_ATTEMPTS + 1,
    );
    const lockout = events.find((event) => event.action === "auth.lockout");
    expect(lockout).toMatchObject({ outcome: "DENIED", clientIp: "198.51.100.23", userAgent: "vitest" });
    expect(JSON.stringify(events)).not.toContain("wrong again");

    // After the lock expires the right password works and the counter starts over.
    const later = new Date(now.getTime() + (LOCKOUT_MINUTES + 1) * 60_000);
    expect(await attempt(user.email, PASSWORD, later)).toEqual({ ok: true, userId: user.id });
    const reset = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(reset).toMatchObject({ failedLoginCount: 0, lockedUntil: null });
  });

  it("checks at most the allowance of passwords however many guesses arrive at once", async () => {
    const user = await userWithPassword();
    const guesses = await Promise.all(
      Array.from({ length: 4 * MAX_FAILED_ATTEMPTS }, (_, index) => attempt(user.email, `parallel ${index}`)),
    );
    // Every guess is refused, the account ends up locked, and no more than the allowance were
    // answered "invalid" (that is, had their password checked).
    expect(guesses.every((result) => !result.ok)).toBe(true);
    const checked = guesses.filter((result) => !result.ok && result.reason === "invalid").length;
    expect(checked).toBeLessThanOrEqual(MAX_FAILED_ATTEMPTS - 1);
    const stored = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.lockedUntil?.getTime()).toBeGreaterThan(Date.now());
    expect(await db().auditEvent.count({ where: { targetId: user.id, action: "auth.lockout" } })).toBe(1);
    // The right password now waits for the lock like any other.
    expect((await attempt(user.email, PASSWORD)).ok).toBe(false);
  });

  it("locks unknown emails the same way, so lockout does not reveal which accounts exist", async () => {
    const email = `ghost-${uniqueSuffix()}@example.test`;
    const results = [];
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) results.push(await attempt(email, "guess"));
    expect(results.slice(0, -1).every((result) => !result.ok && result.reason === "invalid")).toBe(true);
    expect(results.at(-1)).toMatchObject({ ok: false, reason: "locked" });
  });

  it("answers a burst of guesses the same for an account and an unknown email", async () => {
    const user = await userWithPassword();
    const ghost = `ghost-${uniqueSuffix()}@example.test`;
    const burst = async (email: string) => {
      const startedAt = Date.now();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(email, `burst ${i}`)));
      const invalid = results.filter((result) => !result.ok && result.reason === "invalid").length;
      const until = results.flatMap((result) =>
        !result.ok && result.reason === "locked" ? [result.lockedUntil] : [],
      );
      // Every locked answer names the same end, 15 minutes after the failure that locked.
      expect(new Set(until.map((date) => date.getTime())).size).toBe(1);
      const end = (until[0] as Date).getTime() - startedAt;
      expect(end).toBeGreaterThanOrEqual(LOCKOUT_MINUTES * 60_000 - 1_000);
      expect(end).toBeLessThanOrEqual(LOCKOUT_MINUTES * 60_000 + 5_000);
      return invalid;
    };
    for (const invalid of [await burst(user.email), await burst(ghost)])
      expect(invalid).toBeLessThanOrEqual(MAX_FAILED_ATTEMPTS - 1);
  });

  it("refuses a deactivated user only after the right password", async () => {
    const user = await userWithPassword({ status: "DEACTIVATED" });
    expect(await attempt(user.email, "wrong")).toEqual({ ok: false, reason: "invalid" });
    expect(await attempt(user.email, PASSWORD)).toEqual({ ok: false, reason: "deactivated" });
  });
});

describe("failed sign-ins per client address", () => {
  it("refuses an address that failed too often across accounts, without checking the password, audited once", async () => {
    const ip = freshIpv4();
    const victims = await Promise.all([userWithPassword(), userWithPassword(), userWithPassword()]);
    const unknown = `nobody-${uniqueSuffix()}@example.test`;
    // Three failures over three accounts and an unknown email: none locks an account by itself.
    expect(await attemptFrom(ip, victims[0].email, "spray 1", 4)).toEqual({ ok: false, reason: "invalid" });
    expect(await attemptFrom(ip, victims[1].email, "spray 1", 4)).toEqual({ ok: false, reason: "invalid" });
    expect(await attemptFrom(ip, unknown, "spray 1", 4)).toEqual({ ok: false, reason: "invalid" });
    const before = Date.now();
    expect(await attemptFrom(ip, victims[2].email, "spray 1", 4)).toEqual({ ok: false, reason: "invalid" });

    // The window is used up: even the right password is refused, and not checked (no count moves).
    const refused = await attemptFrom(ip, victims[0].email, PASSWORD, 4);
    expect(refused).toMatchObject({ ok: false, reason: "throttled" });
    const retryIn = refused.ok || refused.reason !== "throttled" ? 0 : refused.retryAt.getTime() - before;
    expect(retryIn).toBeGreaterThan((LOCKOUT_MINUTES - 1) * 60_000);
    expect(retryIn).toBeLessThanOrEqual(LOCKOUT_MINUTES * 60_000 + 1_000);
    const stored = await db().user.findUniqueOrThrow({ where: { id: victims[0].id } });
    expect(stored.failedLoginCount).toBe(1);

    const audited = await db().auditEvent.findMany({
      where: { action: "auth.signin.throttled", clientIp: ip },
    });
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ outcome: "DENIED", actorUserId: null });
    expect(audited[0]?.reason).toContain("4 failed sign-ins");

    // Another address is not affected.
    expect(await attemptFrom(freshIpv4(), victims[0].email, PASSWORD, 4)).toEqual({
      ok: true,
      userId: victims[0].id,
    });
  });

  it("checks at most the limit of passwords from one address however many arrive at once", async () => {
    const ip = freshIpv4();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        attemptFrom(ip, `spray-${i}-${uniqueSuffix()}@example.test`, "Summer2026!", 4),
      ),
    );
    const checked = results.filter((result) => !result.ok && result.reason === "invalid").length;
    expect(checked).toBe(4);
    expect(results.filter((result) => !result.ok && result.reason === "throttled")).toHaveLength(8);
    expect(await db().auditEvent.count({ where: { action: "auth.signin.throttled", clientIp: ip } })).toBe(1);
  });

  it("counts an IPv6 client by its /64, and a success does not clear the count", async () => {
    const user = await userWithPassword();
    const net = `2001:db8:${randomBytes(2).toString("hex")}:7`;
    expect((await attemptFrom(`${net}::1`, user.email, "wrong", 3)).ok).toBe(false);
    expect(await attemptFrom(`${net}::2`, user.email, PASSWORD, 3)).toEqual({ ok: true, userId: user.id });
    expect((await attemptFrom(`${net}:0:aa:bb:3`, user.email, "wrong", 3)).ok).toBe(false);
    expect((await attemptFrom(`${net}:ffff:1:2:3`, user.email, "wrong", 3)).ok).toBe(false);
    expect(await attemptFrom(`${net}::9`, user.email, PASSWORD, 3)).toMatchObject({
      ok: false,
      reason: "throttled",
    });
    // The neighbouring /64 is someone else.
    expect(await attemptFrom(`${net.slice(0, -1)}8::1`, user.email, PASSWORD, 3)).toEqual({
      ok: true,
      userId: user.id,
    });
  });

  it("does not count a request with no known address (no front), nor when the limit is 0", async () => {
    const user = await userWithPassword();
    const noAddress = () =>
      passwordSignIn({
        db: db(),
        redis: redis(),
        redisPrefix: env().REDIS_KEY_PREFIX,
        email: user.email,
        password: PASSWORD,
        context: { ...context, clientIp: null },
        failuresPerAddress: 1,
      });
    await attemptFrom(freshIpv4(), `nobody-${uniqueSuffix()}@example.test`, "x", 1);
    expect(await noAddress()).toEqual({ ok: true, userId: user.id });
    const ip = freshIpv4();
    for (let i = 0; i < 3; i++) await attemptFrom(ip, `nobody-${uniqueSuffix()}@example.test`, "x", 0);
    expect(await attemptFrom(ip, user.email, PASSWORD, 0)).toEqual({ ok: true, userId: user.id });
    expect(await db().auditEvent.count({ where: { action: "auth.signin.throttled", clientIp: ip } })).toBe(0);
  });
});

describe("sessions", () => {
  it("live until signed out, expired, or the user is deactivated", async () => {
    const user = await createUser(db());
    const first = await startSession({ db: db(), userId: user.id, method: "test", context });
    const second = await startSession({ db: db(), userId: user.id, method: "test", context });
    expect((await resolveSession({ db: db(), sessionId: first.sessionId }))?.user.id).toBe(user.id);

    await endSession({ db: db(), sessionId: first.sessionId, context });
    expect(await resolveSession({ db: db(), sessionId: first.sessionId })).toBeNull();
    expect(await resolveSession({ db: db(), sessionId: second.sessionId })).not.toBeNull();

    const farFuture = new Date(second.expires.getTime() + 1000);
    expect(await resolveSession({ db: db(), sessionId: second.sessionId, now: farFuture })).toBeNull();

    await db().user.update({ where: { id: user.id }, data: { status: "DEACTIVATED" } });
    expect(await resolveSession({ db: db(), sessionId: second.sessionId })).toBeNull();
    expect(await db().auditEvent.count({ where: { action: "auth.signin", actorUserId: user.id } })).toBe(2);
  });
});

describe("sign-in through an identity provider", () => {
  const identity = (email: string, groups?: string[]) => ({
    provider: "oidc",
    providerAccountId: `sub-${randomBytes(6).toString("hex")}`,
    email,
    emailVerified: true,
    name: "Ida",
    groups,
  });

  async function invite(email: string, role: "BASIC_USER" | "ADMIN" = "BASIC_USER") {
    const inviter = await createUser(db(), { role: "ADMIN" });
    return db().invitation.create({
      data: {
        email,
        role,
        tokenHash: hashInvitationToken(randomBytes(16).toString("hex")),
        invitedById: inviter.id,
        expiresAt: new Date(Date.now() + 3600_000),
      },
    });
  }

  it("refuses a stranger while sign-up is invite-only, creating nothing", async () => {
    const email = `stranger-${uniqueSuffix()}@example.test`;
    const result = await externalSignIn({ db: db(), identity: identity(email), context });
    expect(result).toEqual({ ok: false, reason: "invite-only" });
    expect(await db().user.findUnique({ where: { email } })).toBeNull();
    expect(
      await db().auditEvent.findFirst({ where: { action: "auth.signin.failed", reason: "invite-only" } }),
    ).not.toBeNull();
  });

  it("admits an invited person with the invited role, once", async () => {
    const email = `invited-${uniqueSuffix()}@example.test`;
    const invitation = await invite(email, "ADMIN");
    const first = identity(email);
    const result = await externalSignIn({ db: db(), identity: first, context });
    expect(result).toMatchObject({ ok: true, created: true });
    const user = await db().user.findUniqueOrThrow({ where: { email }, include: { accounts: true } });
    expect(user.role).toBe("ADMIN");
    expect(user.accounts).toEqual([
      expect.objectContaining({ provider: "oidc", providerAccountId: first.providerAccountId }),
    ]);
    expect(
      (await db().invitation.findUniqueOrThrow({ where: { id: invitation.id } })).acceptedAt,
    ).toBeInstanceOf(Date);
    // The same account signs in again without a new invitation.
    expect(await externalSignIn({ db: db(), identity: first, context })).toMatchObject({
      ok: true,
      created: false,
    });
  });

  it("never links a new identity to an existing account by email", async () => {
    const existing = await userWithPassword();
    await invite(existing.email);
    expect(await externalSignIn({ db: db(), identity: identity(existing.email), context })).toEqual({
      ok: false,
      reason: "email-in-use",
    });
  });

  it("makes IdP-synced memberships follow the group claim, leaving manual ones alone", async () => {
    const email = `synced-${uniqueSuffix()}@example.test`;
    await invite(email);
    const engineering = await createTeam(db(), {
      source: "IDP",
      externalId: `engineering-${uniqueSuffix()}`,
    });
    const oncall = await createTeam(db(), { source: "IDP", externalId: `oncall-${uniqueSuffix()}` });
    const manual = await createTeam(db());
    const who = identity(email, [engineering.externalId ?? "", oncall.externalId ?? "", "unmapped-group"]);

    const first = await externalSignIn({ db: db(), identity: who, context });
    if (!first.ok) throw new Error(first.reason);
    await db().teamMember.create({ data: { teamId: manual.id, userId: first.userId, source: "MANUAL" } });
    const memberships = async () =>
      (await db().teamMember.findMany({ where: { userId: first.userId }, orderBy: { teamId: "asc" } }))
        .map((member) => `${member.teamId}:${member.source}`)
        .sort();
    expect(await memberships()).toEqual(
      [`${engineering.id}:IDP`, `${manual.id}:MANUAL`, `${oncall.id}:IDP`].sort(),
    );

    await externalSignIn({ db: db(), identity: { ...who, groups: [oncall.externalId ?? ""] }, context });
    expect(await memberships()).toEqual([`${manual.id}:MANUAL`, `${oncall.id}:IDP`].sort());
    expect(
      await db().auditEvent.findFirst({ where: { action: "team.member.remove", targetId: engineering.id } }),
    ).toMatchObject({ metadata: expect.objectContaining({ userId: first.userId, source: "idp-sync" }) });

    // No claim at all means no groups: every synced membership goes.
    await externalSignIn({ db: db(), identity: { ...who, groups: [] }, context });
    expect(await memberships()).toEqual([`${manual.id}:MANUAL`]);
  });

  it("refuses a deactivated user and an unverified email", async () => {
    const email = `deactivated-${uniqueSuffix()}@example.test`;
    await invite(email);
    const who = identity(email);
    const first = await externalSignIn({ db: db(), identity: who, context });
    if (!first.ok) throw new Error(first.reason);
    await db().user.update({ where: { id: first.userId }, data: { status: "DEACTIVATED" } });
    expect(await externalSignIn({ db: db(), identity: who, context })).toEqual({
      ok: false,
      reason: "deactivated",
    });
    expect(
      await externalSignIn({
        db: db(),
        identity: { ...identity(`x-${uniqueSuffix()}@example.test`), emailVerified: false },
        context,
      }),
    ).toEqual({ ok: false, reason: "email-missing" });
  });

  it("makes GATEHOUSE_ADMIN_EMAIL an Owner without an invitation", async () => {
    const email = `boss-${uniqueSuffix()}@example.test`;
    const result = await externalSignIn({ db: db(), identity: identity(email), adminEmail: email, context });
    if (!result.ok) throw new Error(result.reason);
    expect((await db().user.findUniqueOrThrow({ where: { id: result.userId } })).role).toBe("OWNER");
  });
});

describe("an empty installation", () => {
  it("makes its first user the Owner, and only the first", async () => {
    const { createDatabase, dropDatabase } = await import("./helpers/test-database");
    const { migrate } = await import("@/server/db/migrate");
    const { createDb } = await import("@/server/db");
    const database = await createDatabase("gatehouse_empty");
    const empty = createDb(database.url, { max: 2 });
    try {
      await migrate(database.url);
      const who = (email: string) => ({
        provider: "oidc",
        providerAccountId: email,
        email,
        emailVerified: true,
        name: null,
      });
      const first = await externalSignIn({ db: empty, identity: who("first@example.test"), context });
      if (!first.ok) throw new Error(first.reason);
      expect((await empty.user.findUniqueOrThrow({ where: { id: first.userId } })).role).toBe("OWNER");
      expect(await externalSignIn({ db: empty, identity: who("second@example.test"), context })).toEqual({
        ok: false,
        reason: "invite-only",
      });

      // Under "off" (set here, in this database of its own: the policy is installation-wide) an
      // open invitation admits only through its link, never through SSO.
      await empty.invitation.create({
        data: {
          email: "third@example.test",
          tokenHash: hashInvitationToken("third-token"),
          invitedById: first.userId,
          expiresAt: new Date(Date.now() + 3600_000),
        },
      });
      await empty.setting.create({ data: { key: "auth.signUpPolicy", value: "off" } });
      expect(await externalSignIn({ db: empty, identity: who("third@example.test"), context })).toEqual({
        ok: false,
        reason: "sign-up-off",
      });
    } finally {
      await empty.$disconnect();
      await dropDatabase(database.name);
    }
  });
});
