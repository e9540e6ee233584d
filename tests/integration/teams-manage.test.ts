import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry, createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { type Db, db, disconnectDb, type Tx } from "@/server/db";
import { syncIdpTeams } from "@/server/services/auth/external-sign-in";
import { slugify } from "@/server/services/teams/create-team";
import { TEAM_MEMBERS_SHOWN } from "@/server/services/teams/team-row";
import { type Caller, callerFor, expectTrpcError, TEST_CLIENT_IP, TEST_USER_AGENT } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/** Binds a Prisma method to its client (they use `this`); other values pass through. */
function bound(target: object, key: string | symbol): unknown {
  const value: unknown = Reflect.get(target, key);
  return typeof value === "function" ? value.bind(target) : value;
}

/**
 * The database, except that inside a transaction the first team read is followed by `meanwhile`:
 * run on its own connection, it gets up to half a second to commit (or to wait for a lock the
 * transaction holds) before the transaction goes on. Puts a concurrent change exactly between
 * a service's read of a team and its next statement.
 */
function interleaving(meanwhile: () => Promise<unknown>): {
  database: Db;
  meanwhileResult: () => Promise<unknown>;
} {
  let running: Promise<unknown> | undefined;
  const afterFirstRead = async <T>(read: Promise<T>): Promise<T> => {
    const found = await read;
    if (!running) {
      running = meanwhile().catch((error: unknown) => error);
      await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 500))]);
    }
    return found;
  };
  const teamDelegate = (tx: Tx) =>
    new Proxy(tx.team, {
      get: (team, key) =>
        key === "findUnique"
          ? (args: Parameters<Tx["team"]["findUnique"]>[0]) => afterFirstRead(team.findUnique(args))
          : bound(team, key),
    });
  const withHook = (tx: Tx) =>
    new Proxy(tx, { get: (target, key) => (key === "team" ? teamDelegate(target) : bound(target, key)) });
  const real = db();
  const database = new Proxy(real, {
    get: (target, key) =>
      key === "$transaction"
        ? (fn: (tx: Tx) => Promise<unknown>, options?: object) =>
            target.$transaction((tx) => fn(withHook(tx)), options)
        : bound(target, key),
  }) as Db;
  return { database, meanwhileResult: () => running ?? Promise.resolve(undefined) };
}

let admin: Awaited<ReturnType<typeof signedInUser>>;
let asAdmin: Caller;

beforeAll(async () => {
  admin = await signedInUser(db(), "ADMIN");
  asAdmin = await callerFor(admin.sessionId);
});

afterAll(async () => {
  await disconnectDb();
});

describe("slugs", () => {
  it.each([
    ["Platform & Infra (EU)", "platform-infra-eu"],
    ["  Équipe Données  ", "equipe-donnees"],
    ["!!!", "team"],
    ["a".repeat(80), "a".repeat(60)],
  ])("%s → %s", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it("keeps slugs unique by numbering repeats, and keeps the slug on rename", async () => {
    const suffix = uniqueSuffix();
    const name = `Platform & Infra ${suffix}`;
    const first = await asAdmin.teams.create({ name, description: "Runs the platform" });
    const second = await asAdmin.teams.create({ name });
    const third = await asAdmin.teams.create({ name: name.toUpperCase() });
    expect([first.slug, second.slug, third.slug]).toEqual([
      `platform-infra-${suffix}`,
      `platform-infra-${suffix}-2`,
      `platform-infra-${suffix}-3`,
    ]);
    expect(first).toMatchObject({
      name,
      description: "Runs the platform",
      source: "LOCAL",
      externalId: null,
      memberCount: 0,
    });
    const event = await db().auditEvent.findFirstOrThrow({
      where: { action: "team.create", targetId: first.id },
    });
    expect(event).toMatchObject({
      actorUserId: admin.user.id,
      clientIp: TEST_CLIENT_IP,
      userAgent: TEST_USER_AGENT,
    });
    expect(event.metadata).toMatchObject({ after: { name, slug: first.slug, source: "LOCAL" } });

    const renamed = await asAdmin.teams.update({
      teamId: first.id,
      name: `Renamed ${suffix}`,
      description: "",
    });
    expect(renamed).toMatchObject({ slug: first.slug, name: `Renamed ${suffix}`, description: null });
    const update = await db().auditEvent.findFirstOrThrow({
      where: { action: "team.update", targetId: first.id },
    });
    expect(update.metadata).toMatchObject({
      before: { name, description: "Runs the platform" },
      after: { name: `Renamed ${suffix}`, description: null },
    });
  });
});

describe("members", () => {
  it("adds and removes members by hand, listing who is in the team", async () => {
    const team = await asAdmin.teams.create({ name: `Local ${uniqueSuffix()}` });
    const [alice, bob] = await Promise.all([
      createUser(db(), { name: "Alice Member", role: "POWER_USER" }),
      createUser(db(), { name: "Bob Member" }),
    ]);
    await asAdmin.teams.addMember({ teamId: team.id, userId: bob.id });
    const detail = await asAdmin.teams.addMember({ teamId: team.id, userId: alice.id });
    expect(detail.memberCount).toBe(2);
    expect(detail.members).toEqual([
      expect.objectContaining({
        userId: alice.id,
        email: alice.email,
        name: "Alice Member",
        role: "POWER_USER",
        source: "MANUAL",
      }),
      expect.objectContaining({ userId: bob.id, source: "MANUAL" }),
    ]);
    expect(detail.members[0]?.addedAt).toBeInstanceOf(Date);

    // Adding someone twice changes nothing and writes nothing.
    expect((await asAdmin.teams.addMember({ teamId: team.id, userId: alice.id })).memberCount).toBe(2);
    const adds = await db().auditEvent.findMany({ where: { action: "team.member.add", targetId: team.id } });
    expect(adds).toHaveLength(2);
    expect(adds[0]?.metadata).toMatchObject({ source: "manual" });

    const after = await asAdmin.teams.removeMember({ teamId: team.id, userId: bob.id });
    expect(after.members.map((member) => member.userId)).toEqual([alice.id]);
    const removal = await db().auditEvent.findFirstOrThrow({
      where: { action: "team.member.remove", targetId: team.id },
    });
    expect(removal).toMatchObject({ actorUserId: admin.user.id, clientIp: TEST_CLIENT_IP });
    expect(removal.metadata).toMatchObject({ userId: bob.id, source: "manual" });

    expect((await asAdmin.teams.get({ teamId: team.id })).members).toHaveLength(1);
    await expectTrpcError(
      asAdmin.teams.addMember({ teamId: team.id, userId: crypto.randomUUID() }),
      "NOT_FOUND",
    );
    await expectTrpcError(
      asAdmin.teams.addMember({ teamId: crypto.randomUUID(), userId: alice.id }),
      "NOT_FOUND",
    );
  });

  it(`lists the first ${TEAM_MEMBERS_SHOWN} members of a large team by name, and finds anyone by a search`, async () => {
    const team = await asAdmin.teams.create({ name: `Crowd ${uniqueSuffix()}` });
    const suffix = uniqueSuffix();
    const size = TEAM_MEMBERS_SHOWN + 5;
    await db().user.createMany({
      data: Array.from({ length: size }, (_, index) => ({
        email: `crowd-${suffix}-${String(index).padStart(3, "0")}@example.test`,
        name: `Crowd ${String(index).padStart(3, "0")}`,
      })),
    });
    try {
      const users = await db().user.findMany({
        where: { email: { startsWith: `crowd-${suffix}-` } },
        select: { id: true },
      });
      await db().teamMember.createMany({
        data: users.map((user) => ({ teamId: team.id, userId: user.id, source: "MANUAL" as const })),
      });
      const detail = await asAdmin.teams.get({ teamId: team.id });
      expect(detail).toMatchObject({ memberCount: size, matchingCount: size });
      expect(detail.members).toHaveLength(TEAM_MEMBERS_SHOWN);
      expect(detail.members[0]?.name).toBe("Crowd 000");
      expect(detail.members.some((member) => member.name === `Crowd ${size - 1}`)).toBe(false);

      const last = `crowd-${suffix}-${size - 1}@example.test`;
      const found = await asAdmin.teams.get({ teamId: team.id, search: last.toUpperCase() });
      expect(found.members.map((member) => member.email)).toEqual([last]);
      expect(found).toMatchObject({ memberCount: size, matchingCount: 1 });
      const none = await asAdmin.teams.get({ teamId: team.id, search: "nobody-like-this" });
      expect(none).toMatchObject({ members: [], matchingCount: 0 });
    } finally {
      await db().user.deleteMany({ where: { email: { startsWith: `crowd-${suffix}-` } } });
    }
  });

  it("maps a team to an IdP group, once, and refuses manual membership edits there", async () => {
    const group = `grp-${uniqueSuffix()}`;
    const team = await asAdmin.teams.create({ name: `Synced ${group}`, idpGroup: group });
    expect(team).toMatchObject({ source: "IDP", externalId: group });
    await expectTrpcError(
      asAdmin.teams.create({ name: "Other", idpGroup: group }),
      "CONFLICT",
      /already synced to the team/,
    );

    const synced = await createUser(db());
    await db().$transaction((tx) => syncIdpTeams(tx, { userId: synced.id, groups: [group], context: {} }));
    const outsider = await createUser(db());
    const message = `Members of this team come from the identity provider group "${group}"; change them there.`;
    await expectTrpcError(
      asAdmin.teams.addMember({ teamId: team.id, userId: outsider.id }),
      "FORBIDDEN",
      message,
    );
    await expectTrpcError(
      asAdmin.teams.removeMember({ teamId: team.id, userId: synced.id }),
      "FORBIDDEN",
      message,
    );

    const detail = await asAdmin.teams.get({ teamId: team.id });
    expect(detail.members).toEqual([expect.objectContaining({ userId: synced.id, source: "IDP" })]);
    const denied = await db().auditEvent.findMany({
      where: { targetId: team.id, outcome: "DENIED" },
      orderBy: { occurredAt: "asc" },
    });
    expect(denied.map((event) => event.action)).toEqual(["team.member.add", "team.member.remove"]);
    expect(denied[0]).toMatchObject({ actorUserId: admin.user.id, reason: message });
  });
});

describe("a team deleted while a member is added", () => {
  it("adds the member or answers NOT_FOUND, never a 500, when a delete comes between the team's read and the insert", async () => {
    const team = await asAdmin.teams.create({ name: `Racing ${uniqueSuffix()}` });
    const member = await createUser(db());
    const { database, meanwhileResult } = interleaving(() => asAdmin.teams.delete({ teamId: team.id }));
    const asRacingAdmin = await callerFor(admin.sessionId, database);

    const added = await asRacingAdmin.teams.addMember({ teamId: team.id, userId: member.id }).then(
      (detail) => ({ ok: true as const, detail }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    // Either order is fine (added then deleted, or deleted first and so not found); an unmapped
    // database error is not.
    if (added.ok) expect(added.detail.memberCount).toBe(1);
    else expect(added.error).toMatchObject({ code: "NOT_FOUND" });
    expect(await meanwhileResult()).toEqual({ deleted: true });
    expect(await db().team.findUnique({ where: { id: team.id } })).toBeNull();
    expect(await db().teamMember.count({ where: { teamId: team.id } })).toBe(0);
  });

  it("never answers INTERNAL_SERVER_ERROR when adds and deletes run at once", async () => {
    const member = await createUser(db());
    for (let round = 0; round < 15; round += 1) {
      const team = await asAdmin.teams.create({ name: `Racing ${uniqueSuffix()}` });
      const [added] = await Promise.allSettled([
        asAdmin.teams.addMember({ teamId: team.id, userId: member.id }),
        asAdmin.teams.delete({ teamId: team.id }),
      ]);
      if (added.status === "rejected") expect(added.reason).toMatchObject({ code: "NOT_FOUND" });
    }
  });

  it("answers NOT_FOUND for adding to or removing from a deleted team", async () => {
    const team = await asAdmin.teams.create({ name: `Gone ${uniqueSuffix()}` });
    const member = await createUser(db());
    await asAdmin.teams.delete({ teamId: team.id });
    await expectTrpcError(asAdmin.teams.addMember({ teamId: team.id, userId: member.id }), "NOT_FOUND");
    await expectTrpcError(asAdmin.teams.removeMember({ teamId: team.id, userId: member.id }), "NOT_FOUND");
  });
});

describe("listing, finding and deleting", () => {
  it("lists teams by name with member counts, filtered by search", async () => {
    const marker = uniqueSuffix();
    const zulu = await asAdmin.teams.create({ name: `Zulu ${marker}` });
    const alpha = await asAdmin.teams.create({ name: `alpha ${marker}` });
    await asAdmin.teams.addMember({ teamId: alpha.id, userId: (await createUser(db())).id });
    const rows = await asAdmin.teams.list({ search: marker });
    expect(rows.map((row) => [row.id, row.memberCount])).toEqual([
      [alpha.id, 1],
      [zulu.id, 0],
    ]);
    expect((await asAdmin.teams.list()).length).toBeGreaterThanOrEqual(2);
  });

  it("deletes a team with its memberships and grants, keeping them in the audit event", async () => {
    const team = await asAdmin.teams.create({ name: `Doomed ${uniqueSuffix()}` });
    const member = await createUser(db());
    await asAdmin.teams.addMember({ teamId: team.id, userId: member.id });
    const registry = await createRegistry(db(), { ownerId: admin.user.id });
    await db().registrySubject.create({ data: { registryId: registry.id, kind: "TEAM", teamId: team.id } });

    expect(await asAdmin.teams.delete({ teamId: team.id })).toEqual({ deleted: true });
    await expectTrpcError(asAdmin.teams.get({ teamId: team.id }), "NOT_FOUND");
    expect(await db().teamMember.count({ where: { teamId: team.id } })).toBe(0);
    expect(await db().registrySubject.count({ where: { teamId: team.id } })).toBe(0);
    const event = await db().auditEvent.findFirstOrThrow({
      where: { action: "team.delete", targetId: team.id },
    });
    expect(event.metadata).toMatchObject({ before: { name: team.name, memberCount: 1, registryGrants: 1 } });
    await expectTrpcError(asAdmin.teams.delete({ teamId: team.id }), "NOT_FOUND");
  });

  it("rejects fields that are not the caller's to set", async () => {
    const name = `Sneaky ${uniqueSuffix()}`;
    await expectTrpcError(asAdmin.teams.create({ name, source: "IDP" } as never), "BAD_REQUEST");
    await expectTrpcError(asAdmin.teams.create({ name, slug: "admins" } as never), "BAD_REQUEST");
    await expectTrpcError(asAdmin.teams.create({ name: "   " }), "BAD_REQUEST");
    expect(await db().team.count({ where: { name } })).toBe(0);
    const team = await asAdmin.teams.create({ name });
    await expectTrpcError(
      asAdmin.teams.update({ teamId: team.id, externalId: "admins" } as never),
      "BAD_REQUEST",
    );
    expect((await asAdmin.teams.get({ teamId: team.id })).externalId).toBeNull();
  });
});
