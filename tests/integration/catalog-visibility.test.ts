import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry, createServer, createTeam, createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import {
  findVisibleServer,
  isToolAllowed,
  listVisibleServers,
  type VisibleServer,
} from "@/server/services/catalog/visible-servers";

/**
 * Who sees what (DESIGN.md, "Registry"): own personal servers plus the union of the registries'
 * grants of approved shared servers. The database is shared with other test files running in
 * parallel (and an EVERYONE registry of theirs may grant us their servers), so every assertion is
 * about the rows this file created.
 */

afterAll(async () => {
  await disconnectDb();
});

type Fixture = Awaited<ReturnType<typeof buildFixture>>;

async function buildFixture(suffix = uniqueSuffix()) {
  const [owner, admin, member, outsider, userU, userA, userB, deactivated] = await Promise.all([
    createUser(db(), { role: "OWNER" }),
    createUser(db(), { role: "ADMIN" }),
    createUser(db()),
    createUser(db()),
    createUser(db()),
    createUser(db(), { role: "POWER_USER" }),
    createUser(db(), { role: "POWER_USER" }),
    createUser(db(), { role: "POWER_USER", status: "DEACTIVATED", deactivatedAt: new Date() }),
  ]);
  const team = await createTeam(db());
  await db().teamMember.createMany({
    data: [
      { teamId: team.id, userId: member.id },
      { teamId: team.id, userId: deactivated.id },
    ],
  });

  // Names sort as A…F so the expected order of the visible list is the order below.
  const shared = (name: string, status: "DRAFT" | "PENDING_APPROVAL" | "APPROVED" | "RETIRED") =>
    createServer(db(), { ownerId: owner.id, name: `${name} ${suffix}`, status, scope: "SHARED" });
  const [open, tools, draft, pending, retired] = await Promise.all([
    createServer(db(), {
      ownerId: owner.id,
      slug: `everything-${suffix}`,
      name: `A open ${suffix}`,
      status: "APPROVED",
    }),
    shared("B tools", "APPROVED"),
    shared("X draft", "DRAFT"),
    shared("X pending", "PENDING_APPROVAL"),
    shared("X retired", "RETIRED"),
  ]);
  const [personalA, personalARetired, personalB, personalDeactivated] = await Promise.all([
    // Personal servers need no approval: a draft one is usable by its owner.
    createServer(db(), {
      ownerId: userA.id,
      name: `C personal A ${suffix}`,
      scope: "PERSONAL",
      status: "DRAFT",
    }),
    createServer(db(), {
      ownerId: userA.id,
      name: `C personal A retired ${suffix}`,
      scope: "PERSONAL",
      status: "RETIRED",
    }),
    createServer(db(), { ownerId: userB.id, name: `D personal B ${suffix}`, scope: "PERSONAL" }),
    createServer(db(), { ownerId: deactivated.id, name: `E personal gone ${suffix}`, scope: "PERSONAL" }),
  ]);

  const registry = (name: string) => createRegistry(db(), { ownerId: owner.id, name: `${name} ${suffix}` });
  const [everyone, teamReg, teamExtra, userWide, userEcho] = await Promise.all([
    registry("Everyone"),
    registry("Team echo"),
    registry("Team extra"),
    registry("User wide"),
    registry("User echo"),
  ]);
  await db().registrySubject.createMany({
    data: [
      { registryId: everyone.id, kind: "EVERYONE" },
      { registryId: teamReg.id, kind: "TEAM", teamId: team.id },
      { registryId: teamExtra.id, kind: "TEAM", teamId: team.id },
      { registryId: userWide.id, kind: "USER", userId: userU.id },
      { registryId: userWide.id, kind: "USER", userId: deactivated.id },
      { registryId: userEcho.id, kind: "USER", userId: userU.id },
    ],
  });
  await db().registryServer.createMany({
    data: [
      // Granting unapproved or personal servers grants nothing.
      ...[open, draft, pending, retired, personalB].map((s) => ({ registryId: everyone.id, serverId: s.id })),
      { registryId: teamReg.id, serverId: tools.id, allowedTools: ["echo"] },
      { registryId: teamExtra.id, serverId: tools.id, allowedTools: ["sum", "echo"] },
      { registryId: teamExtra.id, serverId: open.id, allowedTools: ["echo"] },
      { registryId: userWide.id, serverId: tools.id, allowedTools: [] },
      { registryId: userEcho.id, serverId: tools.id, allowedTools: ["echo"] },
    ],
  });

  const mine = new Set(
    [open, tools, draft, pending, retired, personalA, personalARetired, personalB, personalDeactivated].map(
      (s) => s.id,
    ),
  );
  return {
    users: { owner, admin, member, outsider, userU, userA, userB, deactivated },
    team,
    servers: {
      open,
      tools,
      draft,
      pending,
      retired,
      personalA,
      personalARetired,
      personalB,
      personalDeactivated,
    },
    registries: { everyone, teamReg, teamExtra, userWide, userEcho },
    mine,
  };
}

/** Only the rows this file created, with `via` reduced to registry ids (order-independent). */
async function visibleTo(fixture: Fixture, userId: string) {
  const all = await listVisibleServers({ db: db(), userId });
  return all
    .filter((server) => fixture.mine.has(server.serverId))
    .map((server) => ({
      serverId: server.serverId,
      scope: server.scope,
      via: server.via.map((v) => v.registryId).sort(),
      allowedTools: server.allowedTools,
    }));
}

function expected(
  server: { id: string },
  scope: "PERSONAL" | "SHARED",
  via: { id: string }[],
  allowedTools: string[] | null,
) {
  return { serverId: server.id, scope, via: via.map((r) => r.id).sort(), allowedTools };
}

type ServerKey = keyof Fixture["servers"];
type RegistryKey = keyof Fixture["registries"];
type UserKey = keyof Fixture["users"];
type Row = [ServerKey, "PERSONAL" | "SHARED", RegistryKey[], string[] | null];

const TABLE: [string, UserKey, Row[]][] = [
  [
    "a member of the team",
    "member",
    [
      ["open", "SHARED", ["everyone", "teamExtra"], null],
      ["tools", "SHARED", ["teamReg", "teamExtra"], ["echo", "sum"]],
    ],
  ],
  ["someone in no team", "outsider", [["open", "SHARED", ["everyone"], null]]],
  [
    "the USER subject (an empty allow-list beside ['echo'] allows every tool)",
    "userU",
    [
      ["open", "SHARED", ["everyone"], null],
      ["tools", "SHARED", ["userWide", "userEcho"], null],
    ],
  ],
  [
    "the owner of a personal draft (not of its retired one)",
    "userA",
    [
      ["open", "SHARED", ["everyone"], null],
      ["personalA", "PERSONAL", [], null],
    ],
  ],
  [
    "the owner of a personal server an EVERYONE registry lists",
    "userB",
    [
      ["open", "SHARED", ["everyone"], null],
      ["personalB", "PERSONAL", [], null],
    ],
  ],
  ["a deactivated user with a team, a USER grant and a personal server", "deactivated", []],
  ["an Owner who owns every shared server and registry", "owner", [["open", "SHARED", ["everyone"], null]]],
  ["an Admin", "admin", [["open", "SHARED", ["everyone"], null]]],
];

const SUFFIX = uniqueSuffix();
const SLUG = `everything-${SUFFIX}`;

describe("catalog visibility", () => {
  let fixture: Fixture;
  let users: Fixture["users"];
  let s: Fixture["servers"];
  let r: Fixture["registries"];

  beforeAll(async () => {
    fixture = await buildFixture(SUFFIX);
    ({ users, servers: s, registries: r } = fixture);
  });

  it.each(TABLE)("%s sees exactly their grants", async (_label, who, rows) => {
    expect(await visibleTo(fixture, users[who].id)).toEqual(
      rows.map(([server, scope, via, tools]) =>
        expected(
          s[server],
          scope,
          via.map((key) => r[key]),
          tools,
        ),
      ),
    );
  });

  it("an unknown user sees nothing", async () => {
    expect(await listVisibleServers({ db: db(), userId: "00000000-0000-7000-8000-000000000000" })).toEqual(
      [],
    );
  });

  it("returns names, slugs and registry names, sorted by name", async () => {
    const list = (await listVisibleServers({ db: db(), userId: users.member.id })).filter((v) =>
      fixture.mine.has(v.serverId),
    );
    expect(list.map((v) => v.name)).toEqual([s.open.name, s.tools.name]);
    expect(list[0]).toMatchObject({ slug: s.open.slug, name: s.open.name });
    expect(list[1]?.via).toEqual([
      { registryId: r.teamReg.id, registryName: r.teamReg.name },
      { registryId: r.teamExtra.id, registryName: r.teamExtra.name },
    ]);
  });

  it("checks tools against the allow-list", async () => {
    const asMember = await findVisibleServer({ db: db(), userId: users.member.id, slug: s.tools.slug });
    const asU = await findVisibleServer({ db: db(), userId: users.userU.id, slug: s.tools.slug });
    expect(asMember && isToolAllowed(asMember, "echo")).toBe(true);
    expect(asMember && isToolAllowed(asMember, "sum")).toBe(true);
    expect(asMember && isToolAllowed(asMember, "delete_everything")).toBe(false);
    expect(asU && isToolAllowed(asU, "delete_everything")).toBe(true);
  });

  it("finds only what the user may see", async () => {
    const find = (userId: string, slug: string) => findVisibleServer({ db: db(), userId, slug });
    expect(await find(users.outsider.id, s.tools.slug)).toBeNull();
    expect(await find(users.member.id, s.draft.slug)).toBeNull();
    expect(await find(users.member.id, s.pending.slug)).toBeNull();
    expect(await find(users.member.id, s.retired.slug)).toBeNull();
    expect(await find(users.userB.id, s.personalA.slug)).toBeNull();
    expect(await find(users.userA.id, s.personalARetired.slug)).toBeNull();
    expect(await find(users.deactivated.id, s.personalDeactivated.slug)).toBeNull();
    expect(await find(users.deactivated.id, s.open.slug)).toBeNull();
    expect(await find(users.owner.id, s.draft.slug)).toBeNull();
    expect(await find(users.userA.id, s.personalA.slug)).toMatchObject({
      serverId: s.personalA.id,
      scope: "PERSONAL",
      via: [],
      allowedTools: null,
    });
    expect(await find(users.userU.id, s.tools.slug)).toMatchObject({
      serverId: s.tools.id,
      allowedTools: null,
    });
  });

  const rest = `-${SUFFIX}`;
  it.each([
    [SLUG, true],
    [`Everything${rest} `, true],
    [`  EVERYTHING${rest.toUpperCase()}\t`, true],
    // NFKC folds compatibility forms (fullwidth letters) before the slug check.
    [`ＥＶＥＲＹＴＨＩＮＧ${rest}`, true],
    [`everything${rest}/../x`, false],
    [`évérything${rest}`, false],
    [`every\u200bthing${rest}`, false],
    [`every thing${rest}`, false],
    [`-everything${rest}`, false],
    [`${SLUG}${"x".repeat(64)}`, false],
    ["", false],
    ["   ", false],
  ])("slug %j finds the server: %s", async (candidate, found) => {
    const server = await findVisibleServer({ db: db(), userId: users.outsider.id, slug: candidate });
    expect(server?.serverId ?? null).toBe(found ? s.open.id : null);
  });
});

describe("revoking a grant", () => {
  async function tools(fixture: Fixture, userId: string): Promise<VisibleServer | undefined> {
    const list = await listVisibleServers({ db: db(), userId });
    return list.find((v) => v.serverId === fixture.servers.tools.id);
  }

  it("removes visibility on the next call, whichever row is deleted", async () => {
    const fixture = await buildFixture();
    const { users, servers: s, registries: r, team } = fixture;

    expect(await tools(fixture, users.member.id)).toMatchObject({ allowedTools: ["echo", "sum"] });

    // Remove one registry's server entry: the other team registry still grants, with its own list.
    await db().registryServer.delete({
      where: { registryId_serverId: { registryId: r.teamExtra.id, serverId: s.tools.id } },
    });
    expect(await tools(fixture, users.member.id)).toMatchObject({
      via: [{ registryId: r.teamReg.id, registryName: r.teamReg.name }],
      allowedTools: ["echo"],
    });

    // Remove the remaining registry's TEAM subject: gone.
    await db().registrySubject.deleteMany({ where: { registryId: r.teamReg.id } });
    expect(await tools(fixture, users.member.id)).toBeUndefined();
    expect(await visibleTo(fixture, users.member.id)).toEqual([
      expected(s.open, "SHARED", [r.everyone, r.teamExtra], null),
    ]);

    // Leave the team: only the EVERYONE grant is left.
    await db().teamMember.delete({ where: { teamId_userId: { teamId: team.id, userId: users.member.id } } });
    expect(await visibleTo(fixture, users.member.id)).toEqual([
      expected(s.open, "SHARED", [r.everyone], null),
    ]);

    // The USER subject: dropping the empty-list registry narrows to ["echo"], dropping the subject hides it.
    await db().registryServer.delete({
      where: { registryId_serverId: { registryId: r.userWide.id, serverId: s.tools.id } },
    });
    expect(await tools(fixture, users.userU.id)).toMatchObject({ allowedTools: ["echo"] });
    await db().registrySubject.deleteMany({ where: { registryId: r.userEcho.id, userId: users.userU.id } });
    expect(await tools(fixture, users.userU.id)).toBeUndefined();

    // The EVERYONE subject: nothing of ours is visible by default any more.
    await db().registrySubject.deleteMany({ where: { registryId: r.everyone.id } });
    expect(await visibleTo(fixture, users.outsider.id)).toEqual([]);
    expect(await visibleTo(fixture, users.member.id)).toEqual([]);
    expect(await findVisibleServer({ db: db(), userId: users.outsider.id, slug: s.open.slug })).toBeNull();

    // A retired personal server disappears for its owner too.
    await db().server.update({ where: { id: s.personalA.id }, data: { status: "RETIRED" } });
    expect(await visibleTo(fixture, users.userA.id)).toEqual([]);
  });

  it("works inside a transaction", async () => {
    const fixture = await buildFixture();
    const seen = await db().$transaction((tx) =>
      listVisibleServers({ db: tx, userId: fixture.users.userU.id }),
    );
    expect(seen.filter((v) => fixture.mine.has(v.serverId)).map((v) => v.serverId)).toEqual([
      fixture.servers.open.id,
      fixture.servers.tools.id,
    ]);
  });
});
