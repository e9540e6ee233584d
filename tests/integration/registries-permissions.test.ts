import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, createTeam, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { type Caller, callerFor, expectTrpcError } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/**
 * Who may manage registries: Basic and Power users nothing; Power user+ their own (another's is
 * NOT_FOUND, never FORBIDDEN); Admins and Owners all of them.
 */
type Person = Awaited<ReturnType<typeof signedInUser>> & { caller: Caller };

async function person(role: Parameters<typeof signedInUser>[1]): Promise<Person> {
  const signed = await signedInUser(db(), role);
  return { ...signed, caller: await callerFor(signed.sessionId) };
}

let basic: Person;
let power: Person;
let plusA: Person;
let plusB: Person;
let admin: Person;
let owner: Person;
let serverOfA: Awaited<ReturnType<typeof createServer>>;
let adminServer: Awaited<ReturnType<typeof createServer>>;

beforeAll(async () => {
  [basic, power, plusA, plusB, admin, owner] = await Promise.all([
    person("BASIC_USER"),
    person("POWER_USER"),
    person("POWER_USER_PLUS"),
    person("POWER_USER_PLUS"),
    person("ADMIN"),
    person("OWNER"),
  ]);
  [serverOfA, adminServer] = await Promise.all([
    createServer(db(), { ownerId: plusA.user.id }),
    createServer(db(), { ownerId: admin.user.id }),
  ]);
});

afterAll(async () => {
  await disconnectDb();
});

const slug = () => `reg-${uniqueSuffix()}`;

describe("Basic and Power users", () => {
  it.each([
    ["Basic user", () => basic],
    ["Power user", () => power],
  ])("%s: every registry procedure is FORBIDDEN and audited as denied", async (_label, who) => {
    const { caller, user } = who();
    const registry = await plusA.caller.registries.create({ name: "Theirs", slug: slug() });
    // Thunks: each call starts only when awaited, so no refusal goes unhandled meanwhile.
    const calls: (() => Promise<unknown>)[] = [
      () => caller.registries.list(),
      () => caller.registries.get({ registryId: registry.id }),
      () => caller.registries.create({ name: "Mine", slug: slug() }),
      () => caller.registries.update({ registryId: registry.id, name: "x" }),
      () => caller.registries.delete({ registryId: registry.id }),
      () => caller.registries.addSubject({ registryId: registry.id, subject: { kind: "EVERYONE" } }),
      () => caller.registries.grantServer({ registryId: registry.id, serverId: serverOfA.id }),
      () => caller.registries.searchSubjects({ query: "user" }),
      () => caller.registries.listGrantableServers(),
      () => caller.access.whoCanReach({ serverId: serverOfA.id }),
      () => caller.access.whatCanUserReach({ userId: user.id }),
      () => caller.access.listServers(),
      () => caller.access.searchUsers(),
    ];
    for (const call of calls) await expectTrpcError(call(), "FORBIDDEN");
    const denied = await db().auditEvent.count({
      where: { actorUserId: user.id, action: "auth.denied", outcome: "DENIED" },
    });
    expect(denied).toBe(calls.length);
    expect(await db().registry.count({ where: { id: registry.id } })).toBe(1);
  });
});

describe("Power user+", () => {
  it("creates registries and lists exactly the ones they own", async () => {
    const [c, d] = await Promise.all([person("POWER_USER_PLUS"), person("POWER_USER_PLUS")]);
    const [c1, c2, d1] = await Promise.all([
      c.caller.registries.create({ name: `C one ${uniqueSuffix()}`, slug: slug() }),
      c.caller.registries.create({ name: `C two ${uniqueSuffix()}`, slug: slug() }),
      d.caller.registries.create({ name: `D one ${uniqueSuffix()}`, slug: slug() }),
    ]);
    expect(c1.owner.id).toBe(c.user.id);
    const listedByC = (await c.caller.registries.list()).map((row) => row.id);
    expect(new Set(listedByC)).toEqual(new Set([c1.id, c2.id]));
    const listedByD = (await d.caller.registries.list()).map((row) => row.id);
    expect(listedByD).toEqual([d1.id]);
  });

  it("gets NOT_FOUND for every change to another owner's registry, which stays untouched", async () => {
    const theirs = await plusB.caller.registries.create({ name: "B's", slug: slug() });
    const team = await createTeam(db());
    const { caller } = plusA;
    const calls: (() => Promise<unknown>)[] = [
      () => caller.registries.get({ registryId: theirs.id }),
      () => caller.registries.update({ registryId: theirs.id, name: "hijacked" }),
      () => caller.registries.delete({ registryId: theirs.id }),
      () =>
        caller.registries.addSubject({ registryId: theirs.id, subject: { kind: "TEAM", teamId: team.id } }),
      () => caller.registries.grantServer({ registryId: theirs.id, serverId: serverOfA.id }),
      () => caller.registries.revokeServer({ registryId: theirs.id, serverId: serverOfA.id }),
      () =>
        caller.registries.updateAllowedTools({
          registryId: theirs.id,
          serverId: serverOfA.id,
          allowedTools: [],
        }),
      () => caller.registries.removeSubject({ registryId: theirs.id, subjectId: team.id }),
    ];
    for (const call of calls) await expectTrpcError(call(), "NOT_FOUND");
    const after = await db().registry.findUniqueOrThrow({
      where: { id: theirs.id },
      include: { subjects: true, servers: true },
    });
    expect(after).toMatchObject({ name: "B's", subjects: [], servers: [] });
    expect(await db().auditEvent.count({ where: { targetId: theirs.id } })).toBe(1); // only registry.create
  });

  it("may not name another owner, and grants only servers they published", async () => {
    await expectTrpcError(
      plusA.caller.registries.create({ name: "x", slug: slug(), ownerId: plusB.user.id } as never),
      "BAD_REQUEST",
    );
    const mine = await plusA.caller.registries.create({ name: "Mine", slug: slug() });
    await expectTrpcError(
      plusA.caller.registries.grantServer({ registryId: mine.id, serverId: adminServer.id }),
      "NOT_FOUND",
      /servers you published/,
    );
    const grantable = (await plusA.caller.registries.listGrantableServers()).map((server) => server.id);
    expect(grantable).toContain(serverOfA.id);
    expect(grantable).not.toContain(adminServer.id);
    const granted = await plusA.caller.registries.grantServer({
      registryId: mine.id,
      serverId: serverOfA.id,
    });
    expect(granted.servers.map((server) => [server.serverId, server.canWiden])).toEqual([
      [serverOfA.id, true],
    ]);
  });

  it("may narrow, but not widen, a server an Admin added to their registry", async () => {
    const mine = await plusA.caller.registries.create({ name: "Narrow", slug: slug() });
    await db().serverVersion.update({
      where: { id: adminServer.versionId },
      data: {
        capabilities: { tools: [{ name: "a" }, { name: "b" }, { name: "c" }], prompts: [], resources: [] },
      },
    });
    await admin.caller.registries.grantServer({
      registryId: mine.id,
      serverId: adminServer.id,
      allowedTools: ["a", "b"],
    });
    const seen = await plusA.caller.registries.get({ registryId: mine.id });
    expect(seen.servers[0]).toMatchObject({
      serverId: adminServer.id,
      canWiden: false,
      allowedTools: ["a", "b"],
    });
    const narrow = (allowedTools: string[]) =>
      plusA.caller.registries.updateAllowedTools({
        registryId: mine.id,
        serverId: adminServer.id,
        allowedTools,
      });
    await expectTrpcError(narrow(["a", "c"]), "FORBIDDEN", /only narrow/);
    await expectTrpcError(narrow([]), "FORBIDDEN", /only narrow/);
    expect((await narrow(["a"])).servers[0]?.allowedTools).toEqual(["a"]);
    // Nor may they widen who gets it: no new subject (themselves, everyone) while it is in there.
    for (const subject of [{ kind: "USER" as const, userId: plusA.user.id }, { kind: "EVERYONE" as const }])
      await expectTrpcError(
        plusA.caller.registries.addSubject({ registryId: mine.id, subject }),
        "FORBIDDEN",
        /only an administrator can grant it to more people/,
      );
    expect(await db().registrySubject.count({ where: { registryId: mine.id } })).toBe(0);
    // An Admin may.
    await admin.caller.registries.addSubject({ registryId: mine.id, subject: { kind: "EVERYONE" } });
    // Removing it altogether is always theirs to do.
    const after = await plusA.caller.registries.revokeServer({
      registryId: mine.id,
      serverId: adminServer.id,
    });
    expect(after.servers).toEqual([]);
  });
});

describe("Admins and Owners", () => {
  it.each([
    ["Admin", () => admin],
    ["Owner", () => owner],
  ])("%s sees and manages every registry", async (_label, who) => {
    const { caller } = who();
    const theirs = await plusB.caller.registries.create({ name: `Other ${uniqueSuffix()}`, slug: slug() });
    expect((await caller.registries.list()).map((row) => row.id)).toContain(theirs.id);
    const renamed = await caller.registries.update({ registryId: theirs.id, name: "Renamed by admin" });
    expect(renamed).toMatchObject({ name: "Renamed by admin", owner: { id: plusB.user.id } });
    const granted = await caller.registries.grantServer({ registryId: theirs.id, serverId: serverOfA.id });
    expect(granted.servers.map((server) => server.serverId)).toEqual([serverOfA.id]);
    await caller.registries.delete({ registryId: theirs.id });
    expect(await db().registry.count({ where: { id: theirs.id } })).toBe(0);
  });
});

describe("input", () => {
  it("rejects unknown fields, malformed ids and non-canonical slugs", async () => {
    await expectTrpcError(plusA.caller.registries.get({ registryId: "../etc" }), "BAD_REQUEST");
    await expectTrpcError(
      plusA.caller.registries.create({ name: "x", slug: slug(), ownerId: owner.user.id } as never),
      "BAD_REQUEST",
    );
    await expectTrpcError(
      plusA.caller.registries.create({ name: "x", slug: "../../admin" }),
      "BAD_REQUEST",
      /lowercase letters/,
    );
    // Look-alikes fold to one canonical slug: full-width letters and upper case.
    const base = slug();
    const first = await plusA.caller.registries.create({ name: "x", slug: base.toUpperCase() });
    expect(first.slug).toBe(base);
    const fullWidth = base.replace(/[a-z]/g, (c) => String.fromCodePoint((c.codePointAt(0) ?? 0) + 0xfee0));
    await expectTrpcError(
      plusB.caller.registries.create({ name: "y", slug: fullWidth }),
      "CONFLICT",
      /is taken/,
    );
  });
});
