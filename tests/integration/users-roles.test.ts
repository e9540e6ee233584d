import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { type Caller, callerFor, expectTrpcError, TEST_CLIENT_IP, TEST_USER_AGENT } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

type SignedIn = Awaited<ReturnType<typeof signedInUser>>;
let owner: SignedIn;
let admin: SignedIn;
let asOwner: Caller;
let asAdmin: Caller;

beforeAll(async () => {
  owner = await signedInUser(db(), "OWNER");
  admin = await signedInUser(db(), "ADMIN");
  asOwner = await callerFor(owner.sessionId);
  asAdmin = await callerFor(admin.sessionId);
});

afterAll(async () => {
  await disconnectDb();
});

function auditEvents(action: string, targetId: string) {
  return db().auditEvent.findMany({ where: { action, targetId }, orderBy: { occurredAt: "asc" } });
}

describe("users.setRole", () => {
  it("refuses an Admin granting Owner, records the attempt as DENIED, and changes nothing", async () => {
    const target = await createUser(db(), { role: "ADMIN" });
    await expectTrpcError(
      asAdmin.users.setRole({ userId: target.id, role: "OWNER" }),
      "FORBIDDEN",
      "Only an Owner can grant or remove the Owner role.",
    );
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).role).toBe("ADMIN");
    const events = await auditEvents("user.role.change", target.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      outcome: "DENIED",
      actorUserId: admin.user.id,
      reason: "Only an Owner can grant or remove the Owner role.",
      clientIp: TEST_CLIENT_IP,
      userAgent: TEST_USER_AGENT,
    });
    expect(events[0]?.metadata).toMatchObject({ before: "ADMIN", after: "OWNER" });
  });

  it("lets an Owner grant Owner and take it away again, auditing before and after", async () => {
    const target = await createUser(db(), { role: "BASIC_USER" });
    const row = await asOwner.users.setRole({ userId: target.id, role: "OWNER" });
    expect(row).toMatchObject({ id: target.id, email: target.email, role: "OWNER", status: "ACTIVE" });
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).role).toBe("OWNER");

    await asOwner.users.setRole({ userId: target.id, role: "POWER_USER" });
    const events = await auditEvents("user.role.change", target.id);
    expect(events.map((event) => [event.outcome, event.metadata])).toEqual([
      ["OK", { email: target.email, before: "BASIC_USER", after: "OWNER" }],
      ["OK", { email: target.email, before: "OWNER", after: "POWER_USER" }],
    ]);
    for (const event of events) {
      expect(event).toMatchObject({
        actorUserId: owner.user.id,
        targetType: "user",
        clientIp: TEST_CLIENT_IP,
        userAgent: TEST_USER_AGENT,
      });
    }
  });

  it("lets an Admin move people between the other roles, up to Admin", async () => {
    const target = await createUser(db(), { role: "BASIC_USER" });
    expect((await asAdmin.users.setRole({ userId: target.id, role: "POWER_USER_PLUS" })).role).toBe(
      "POWER_USER_PLUS",
    );
    expect((await asAdmin.users.setRole({ userId: target.id, role: "ADMIN" })).role).toBe("ADMIN");
    expect((await asAdmin.users.setRole({ userId: target.id, role: "BASIC_USER" })).role).toBe("BASIC_USER");
    expect(await auditEvents("user.role.change", target.id)).toHaveLength(3);
  });

  it("refuses an Admin demoting an Owner", async () => {
    const target = await createUser(db(), { role: "OWNER" });
    await expectTrpcError(
      asAdmin.users.setRole({ userId: target.id, role: "ADMIN" }),
      "FORBIDDEN",
      "Only an Owner can grant or remove the Owner role.",
    );
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).role).toBe("OWNER");
  });

  it.each(["OWNER", "ADMIN"] as const)("refuses an %s changing their own role", async (role) => {
    const self = await signedInUser(db(), role);
    const caller = await callerFor(self.sessionId);
    await expectTrpcError(
      caller.users.setRole({ userId: self.user.id, role: role === "OWNER" ? "ADMIN" : "OWNER" }),
      "FORBIDDEN",
      "You cannot change your own role.",
    );
    expect((await db().user.findUniqueOrThrow({ where: { id: self.user.id } })).role).toBe(role);
    const [denied] = await auditEvents("user.role.change", self.user.id);
    expect(denied).toMatchObject({ outcome: "DENIED", actorUserId: self.user.id });
  });

  it("writes nothing when the role is already the requested one", async () => {
    const target = await createUser(db(), { role: "POWER_USER" });
    expect((await asAdmin.users.setRole({ userId: target.id, role: "POWER_USER" })).role).toBe("POWER_USER");
    expect(await auditEvents("user.role.change", target.id)).toHaveLength(0);
  });

  it("answers an unknown user with NOT_FOUND and a malformed id with BAD_REQUEST", async () => {
    await expectTrpcError(asAdmin.users.setRole({ userId: crypto.randomUUID(), role: "ADMIN" }), "NOT_FOUND");
    await expectTrpcError(asAdmin.users.setRole({ userId: "not-a-uuid", role: "ADMIN" }), "BAD_REQUEST");
  });

  it.each([
    ["status", { status: "DEACTIVATED" }],
    ["ownerId", { ownerId: crypto.randomUUID() }],
    ["isAuditor", { isAuditor: true }],
  ])("rejects an extra field %s (mass assignment) and changes nothing", async (_field, extra) => {
    const target = await createUser(db(), { role: "BASIC_USER" });
    await expectTrpcError(
      asOwner.users.setRole({ userId: target.id, role: "POWER_USER", ...extra } as never),
      "BAD_REQUEST",
    );
    expect(await db().user.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({
      role: "BASIC_USER",
      status: "ACTIVE",
      isAuditor: false,
    });
    expect(await auditEvents("user.role.change", target.id)).toHaveLength(0);
  });
});

describe("users.setAuditor", () => {
  it("refuses an Admin (Owners only) and leaves the flag alone", async () => {
    const target = await createUser(db());
    await expectTrpcError(asAdmin.users.setAuditor({ userId: target.id, isAuditor: true }), "FORBIDDEN");
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).isAuditor).toBe(false);
  });

  it("lets an Owner grant and remove it, auditing before and after", async () => {
    const target = await createUser(db());
    expect((await asOwner.users.setAuditor({ userId: target.id, isAuditor: true })).isAuditor).toBe(true);
    expect((await asOwner.users.setAuditor({ userId: target.id, isAuditor: false })).isAuditor).toBe(false);
    const events = await auditEvents("user.auditor.change", target.id);
    expect(events.map((event) => event.metadata)).toEqual([
      { email: target.email, before: false, after: true },
      { email: target.email, before: true, after: false },
    ]);
    expect(events[0]).toMatchObject({ outcome: "OK", actorUserId: owner.user.id, clientIp: TEST_CLIENT_IP });
  });

  it("refuses an Owner changing their own Auditor flag", async () => {
    await expectTrpcError(
      asOwner.users.setAuditor({ userId: owner.user.id, isAuditor: true }),
      "FORBIDDEN",
      "You cannot change your own Auditor access.",
    );
    expect((await db().user.findUniqueOrThrow({ where: { id: owner.user.id } })).isAuditor).toBe(false);
  });

  it("rejects an extra role field", async () => {
    const target = await createUser(db());
    await expectTrpcError(
      asOwner.users.setAuditor({ userId: target.id, isAuditor: true, role: "OWNER" } as never),
      "BAD_REQUEST",
    );
    expect(await db().user.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({
      role: "BASIC_USER",
      isAuditor: false,
    });
  });
});

describe("Owner-only actions on Owners", () => {
  it("refuses an Admin deactivating an Owner, with a DENIED audit event", async () => {
    const target = await createUser(db(), { role: "OWNER" });
    await expectTrpcError(
      asAdmin.users.deactivate({ userId: target.id }),
      "FORBIDDEN",
      "Only an Owner can deactivate an Owner.",
    );
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).status).toBe("ACTIVE");
    const [denied] = await auditEvents("user.deactivate", target.id);
    expect(denied).toMatchObject({ outcome: "DENIED", actorUserId: admin.user.id });
  });

  it("lets an Owner deactivate and reactivate another Owner", async () => {
    const target = await createUser(db(), { role: "OWNER" });
    expect((await asOwner.users.deactivate({ userId: target.id })).status).toBe("DEACTIVATED");
    expect((await asOwner.users.reactivate({ userId: target.id })).status).toBe("ACTIVE");
  });

  it("refuses an Admin reactivating an Owner", async () => {
    const target = await createUser(db(), {
      role: "OWNER",
      status: "DEACTIVATED",
      deactivatedAt: new Date(),
    });
    await expectTrpcError(
      asAdmin.users.reactivate({ userId: target.id }),
      "FORBIDDEN",
      "Only an Owner can reactivate the account of an Owner or an Auditor.",
    );
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).status).toBe("DEACTIVATED");
  });

  it("refuses an Admin resetting an Owner's password, and anyone resetting their own", async () => {
    const target = await createUser(db(), { role: "OWNER", passwordHash: "unchanged" });
    await expectTrpcError(
      asAdmin.users.resetPassword({ userId: target.id }),
      "FORBIDDEN",
      "Only an Owner can reset the password of an Owner or an Auditor.",
    );
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).passwordHash).toBe("unchanged");
    await expectTrpcError(
      asAdmin.users.resetPassword({ userId: admin.user.id }),
      "FORBIDDEN",
      /You cannot reset your own password/,
    );
    const [denied] = await auditEvents("user.password.reset", target.id);
    expect(denied).toMatchObject({ outcome: "DENIED", actorUserId: admin.user.id });
  });

  it("treats an Auditor like an Owner: an Admin may not reset their password, reactivate them or lift their lockout", async () => {
    const auditor = await createUser(db(), {
      role: "BASIC_USER",
      isAuditor: true,
      passwordHash: "unchanged",
    });
    await expectTrpcError(
      asAdmin.users.resetPassword({ userId: auditor.id }),
      "FORBIDDEN",
      "Only an Owner can reset the password of an Owner or an Auditor.",
    );
    expect((await db().user.findUniqueOrThrow({ where: { id: auditor.id } })).passwordHash).toBe("unchanged");

    const lockedUntil = new Date(Date.now() + 60_000);
    await db().user.update({ where: { id: auditor.id }, data: { lockedUntil, failedLoginCount: 5 } });
    await expectTrpcError(
      asAdmin.users.unlock({ userId: auditor.id }),
      "FORBIDDEN",
      "Only an Owner can lift the lockout of an Owner or an Auditor.",
    );
    expect((await db().user.findUniqueOrThrow({ where: { id: auditor.id } })).failedLoginCount).toBe(5);

    await asOwner.users.deactivate({ userId: auditor.id });
    await expectTrpcError(
      asAdmin.users.reactivate({ userId: auditor.id }),
      "FORBIDDEN",
      "Only an Owner can reactivate the account of an Owner or an Auditor.",
    );
    expect((await db().user.findUniqueOrThrow({ where: { id: auditor.id } })).status).toBe("DEACTIVATED");
    const denied = await db().auditEvent.findMany({
      where: { targetId: auditor.id, outcome: "DENIED", actorUserId: admin.user.id },
      select: { action: true },
    });
    expect(denied.map((row) => row.action).sort()).toEqual([
      "user.password.reset",
      "user.reactivate",
      "user.unlock",
    ]);

    // An Owner may do all three.
    expect((await asOwner.users.reactivate({ userId: auditor.id })).status).toBe("ACTIVE");
    await asOwner.users.unlock({ userId: auditor.id });
    expect((await asOwner.users.resetPassword({ userId: auditor.id })).temporaryPassword).toBeTruthy();
  });

  it("refuses anyone deactivating themselves", async () => {
    await expectTrpcError(
      asAdmin.users.deactivate({ userId: admin.user.id }),
      "FORBIDDEN",
      /your own account/,
    );
    await expectTrpcError(
      asOwner.users.deactivate({ userId: owner.user.id }),
      "FORBIDDEN",
      /your own account/,
    );
    expect((await db().user.findUniqueOrThrow({ where: { id: admin.user.id } })).status).toBe("ACTIVE");
  });
});

describe("users.list", () => {
  it("filters by search, role and status, pages newest first, and shows each user's facts", async () => {
    const marker = `list${uniqueSuffix()}`;
    const created = [];
    for (let i = 0; i < 5; i++) {
      created.push(
        await createUser(db(), {
          email: `${marker}-${i}@example.test`,
          name: `Person ${i} ${marker.toUpperCase()}`,
          role: i === 0 ? "POWER_USER" : "BASIC_USER",
          status: i === 1 ? "DEACTIVATED" : "ACTIVE",
          passwordHash: i === 2 ? "argon2id-hash" : null,
          lockedUntil:
            i === 2 ? new Date(Date.now() + 600_000) : i === 3 ? new Date(Date.now() - 600_000) : null,
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const [first, , third] = created;
    if (!first || !third) throw new Error("setup");
    await db().account.create({
      data: { userId: third.id, type: "oidc", provider: "github", providerAccountId: `gh-${marker}` },
    });
    const team = await db().team.create({ data: { slug: `team-${marker}`, name: `Team ${marker}` } });
    await db().teamMember.create({ data: { teamId: team.id, userId: third.id } });

    const all = await asAdmin.users.list({ search: marker.toUpperCase() });
    expect(all.items.map((row) => row.email)).toEqual(created.map((user) => user.email).reverse());
    expect(all.nextCursor).toBeNull();
    const row = all.items.find((item) => item.id === third.id);
    expect(row).toEqual({
      id: third.id,
      email: third.email,
      name: third.name,
      role: "BASIC_USER",
      isAuditor: false,
      status: "ACTIVE",
      createdAt: third.createdAt,
      lastLoginAt: null,
      deactivatedAt: null,
      lockedUntil: third.lockedUntil,
      hasPassword: true,
      identityProviders: ["github"],
      teams: [{ id: team.id, name: team.name }],
    });
    expect(all.items.find((item) => item.email.endsWith("-3@example.test"))?.lockedUntil).toBeNull();
    expect(row).not.toHaveProperty("passwordHash");

    expect((await asAdmin.users.list({ search: `person 0 ${marker}` })).items.map((item) => item.id)).toEqual(
      [first.id],
    );
    expect((await asAdmin.users.list({ search: marker, role: "POWER_USER" })).items).toHaveLength(1);
    expect((await asAdmin.users.list({ search: marker, status: "DEACTIVATED" })).items).toHaveLength(1);

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await asAdmin.users.list({ search: marker, limit: 2, cursor });
      pages.push(page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    // tRPC's infinite queries add `direction` to every page request.
    const infinitePage = await asAdmin.users.list({
      search: marker,
      limit: 2,
      cursor: pages[0]?.[1],
      direction: "forward",
    });
    expect(infinitePage.items.map((item) => item.id)).toEqual(pages[1]);
    expect(pages.flat()).toEqual(all.items.map((item) => item.id));
  });

  it("rejects a limit outside 1..100 and unknown filters", async () => {
    await expectTrpcError(asAdmin.users.list({ limit: 101 }), "BAD_REQUEST");
    await expectTrpcError(asAdmin.users.list({ limit: 0 }), "BAD_REQUEST");
    await expectTrpcError(asAdmin.users.list({ isAuditor: true } as never), "BAD_REQUEST");
  });
});
