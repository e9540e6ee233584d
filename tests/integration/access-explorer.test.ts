import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry, createServer, createTeam, createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { WHO_CAN_REACH_CAP } from "@/server/services/access/who-can-reach";
import { listVisibleServers } from "@/server/services/catalog/visible-servers";
import { type Caller, callerFor, expectTrpcError } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/**
 * The access explorer answers from both sides: who reaches a server (teams and everyone expanded
 * to active users) and what a user reaches. The database is shared with other test files, whose
 * "everyone" registries may reach our users too, so answers are filtered to the rows made here.
 */
let asAdmin: Caller;
let fixture: Awaited<ReturnType<typeof build>>;

async function build() {
  const suffix = uniqueSuffix();
  const owner = await createUser(db(), { role: "ADMIN" });
  const [m1, m3, direct, gone, outsider] = await Promise.all([
    createUser(db(), { name: `A member ${suffix}` }),
    createUser(db(), { name: `B member ${suffix}`, role: "POWER_USER" }),
    createUser(db(), { name: `C direct ${suffix}` }),
    createUser(db(), { name: `D gone ${suffix}`, status: "DEACTIVATED", deactivatedAt: new Date() }),
    createUser(db(), { name: `E outsider ${suffix}` }),
  ]);
  const team = await createTeam(db(), { name: `Team ${suffix}` });
  await db().teamMember.createMany({
    data: [m1, m3, gone].map((user) => ({ teamId: team.id, userId: user.id })),
  });
  const [server, open, draft] = await Promise.all([
    createServer(db(), { ownerId: owner.id, name: `Server ${suffix}` }),
    createServer(db(), { ownerId: owner.id, name: `Open ${suffix}` }),
    createServer(db(), { ownerId: owner.id, name: `Draft ${suffix}`, status: "DRAFT" }),
  ]);
  const personal = await createServer(db(), {
    ownerId: m3.id,
    name: `Personal ${suffix}`,
    scope: "PERSONAL",
  });
  const [r1, r2, r3] = await Promise.all([
    createRegistry(db(), { ownerId: owner.id, name: `R1 team ${suffix}` }),
    createRegistry(db(), { ownerId: owner.id, name: `R2 direct ${suffix}` }),
    createRegistry(db(), { ownerId: owner.id, name: `R3 everyone ${suffix}` }),
  ]);
  await db().registrySubject.createMany({
    data: [
      { registryId: r1.id, kind: "TEAM", teamId: team.id },
      { registryId: r2.id, kind: "USER", userId: direct.id },
      { registryId: r2.id, kind: "USER", userId: m1.id },
      { registryId: r2.id, kind: "USER", userId: gone.id },
      { registryId: r3.id, kind: "EVERYONE" },
    ],
  });
  await db().registryServer.createMany({
    data: [
      { registryId: r1.id, serverId: server.id, allowedTools: ["echo"] },
      { registryId: r2.id, serverId: server.id, allowedTools: ["get-sum"] },
      { registryId: r2.id, serverId: draft.id, allowedTools: [] },
      { registryId: r3.id, serverId: open.id, allowedTools: [] },
    ],
  });
  const users = { owner, m1, m3, direct, gone, outsider };
  return {
    users,
    team,
    servers: { server, open, draft, personal },
    registries: { r1, r2, r3 },
    mine: new Set([server.id, open.id, draft.id, personal.id]),
    myUsers: new Set(Object.values(users).map((user) => user.id)),
  };
}

beforeAll(async () => {
  const admin = await signedInUser(db(), "ADMIN");
  asAdmin = await callerFor(admin.sessionId);
  fixture = await build();
});

afterAll(async () => {
  await disconnectDb();
});

describe("who can reach a server", () => {
  it("expands teams and direct grants to exactly the active users, with each grant's tools", async () => {
    const { users, team, servers, registries } = fixture;
    const answer = await asAdmin.access.whoCanReach({ serverId: servers.server.id });
    expect(answer.blockedReason).toBeNull();
    expect(answer.everyone).toEqual([]);
    expect(answer.total).toBe(3);
    expect(answer.grants.map((grant) => [grant.registryId, grant.allowedTools])).toEqual([
      [registries.r1.id, ["echo"]],
      [registries.r2.id, ["get-sum"]],
    ]);
    const teamVia = { registryId: registries.r1.id, subject: { teamId: team.id, teamName: team.name } };
    const directVia = { registryId: registries.r2.id, subject: "direct" };
    expect(
      answer.users.map((user) => ({
        id: user.id,
        via: user.via.map(({ registryId, subject, allowedTools }) => ({ registryId, subject, allowedTools })),
        allowedTools: user.allowedTools,
        status: user.status,
      })),
    ).toEqual([
      {
        id: users.m1.id,
        via: [
          { ...teamVia, allowedTools: ["echo"] },
          { ...directVia, allowedTools: ["get-sum"] },
        ],
        allowedTools: ["echo", "get-sum"],
        status: "ACTIVE",
      },
      {
        id: users.m3.id,
        via: [{ ...teamVia, allowedTools: ["echo"] }],
        allowedTools: ["echo"],
        status: "ACTIVE",
      },
      {
        id: users.direct.id,
        via: [{ ...directVia, allowedTools: ["get-sum"] }],
        allowedTools: ["get-sum"],
        status: "ACTIVE",
      },
    ]);
  });

  it("agrees with what each user sees in the catalog", async () => {
    const { myUsers, mine } = fixture;
    for (const serverId of mine) {
      const answer = await asAdmin.access.whoCanReach({ serverId });
      const reaching = new Set(answer.users.map((user) => user.id).filter((id) => myUsers.has(id)));
      const seeing = new Set<string>();
      for (const userId of myUsers) {
        const visible = await listVisibleServers({ db: db(), userId });
        const entry = visible.find((server) => server.serverId === serverId);
        if (entry) {
          seeing.add(userId);
          const user = answer.users.find((candidate) => candidate.id === userId);
          expect(user?.allowedTools, `${serverId} tools for ${userId}`).toEqual(entry.allowedTools);
        }
      }
      expect(reaching, `server ${serverId}`).toEqual(seeing);
    }
  });

  it("says 'everyone' and lists every active user, never a deactivated one", async () => {
    const { users, servers, registries } = fixture;
    const answer = await asAdmin.access.whoCanReach({ serverId: servers.open.id });
    expect(answer.everyone).toEqual([
      { registryId: registries.r3.id, registryName: registries.r3.name, allowedTools: null },
    ]);
    const ids = new Set(answer.users.map((user) => user.id));
    for (const user of [users.owner, users.m1, users.m3, users.direct, users.outsider])
      expect(ids).toContain(user.id);
    expect(ids).not.toContain(users.gone.id);
    expect(answer.users.every((user) => user.status === "ACTIVE")).toBe(true);
    const outsider = answer.users.find((user) => user.id === users.outsider.id);
    expect(outsider?.via).toEqual([
      {
        registryId: registries.r3.id,
        registryName: registries.r3.name,
        subject: "everyone",
        allowedTools: null,
      },
    ]);
  });

  it("caps the list and still counts everyone", async () => {
    const { servers } = fixture;
    const suffix = uniqueSuffix();
    await db().user.createMany({
      data: Array.from({ length: WHO_CAN_REACH_CAP + 5 }, (_, index) => ({
        email: `bulk-${suffix}-${index}@example.test`,
        name: `Bulk ${index}`,
      })),
    });
    try {
      const answer = await asAdmin.access.whoCanReach({ serverId: servers.open.id });
      expect(answer.users).toHaveLength(WHO_CAN_REACH_CAP);
      expect(answer.total).toBeGreaterThanOrEqual(WHO_CAN_REACH_CAP + 5 + 5);
      expect(answer.matching).toBeNull();
      // Someone past the first page is found by a search, which counts only the matches.
      const listed = new Set(answer.users.map((user) => user.email));
      const last = Array.from(
        { length: WHO_CAN_REACH_CAP + 5 },
        (_, index) => `bulk-${suffix}-${index}@example.test`,
      ).find((email) => !listed.has(email)) as string;
      expect(last).toBeDefined();
      const found = await asAdmin.access.whoCanReach({
        serverId: servers.open.id,
        search: ` ${last.toUpperCase()} `,
      });
      expect(found.users.map((user) => user.email)).toEqual([last]);
      expect(found).toMatchObject({ matching: 1, total: answer.total });
      const many = await asAdmin.access.whoCanReach({ serverId: servers.open.id, search: `bulk-${suffix}-` });
      expect(many.matching).toBe(WHO_CAN_REACH_CAP + 5);
      expect(many.users).toHaveLength(WHO_CAN_REACH_CAP);
    } finally {
      // Other files share the database: leave no crowd behind.
      await db().user.deleteMany({ where: { email: { startsWith: `bulk-${suffix}-` } } });
    }
  });

  it("answers nobody for an unapproved server, and the owner alone for a personal one", async () => {
    const { users, servers, registries } = fixture;
    const draft = await asAdmin.access.whoCanReach({ serverId: servers.draft.id });
    expect(draft).toMatchObject({ total: 0, users: [], blockedReason: expect.stringMatching(/is a draft/) });
    expect(draft.grants.map((grant) => grant.registryId)).toEqual([registries.r2.id]);

    const personal = await asAdmin.access.whoCanReach({ serverId: servers.personal.id });
    expect(personal.total).toBe(1);
    expect(personal.users.map((user) => [user.id, user.isPersonalOwner, user.via])).toEqual([
      [users.m3.id, true, []],
    ]);
    const elsewhere = await asAdmin.access.whoCanReach({
      serverId: servers.personal.id,
      search: "nobody-like-this",
    });
    expect(elsewhere).toMatchObject({ total: 1, matching: 0, users: [] });

    await expectTrpcError(asAdmin.access.whoCanReach({ serverId: crypto.randomUUID() }), "NOT_FOUND");
  });
});

describe("what can a user reach", () => {
  const mineOnly = <T extends { serverId: string }>(servers: T[]) =>
    servers.filter((server) => fixture.mine.has(server.serverId));

  it("lists their servers with each registry and subject they reach it through", async () => {
    const { users, team, servers, registries } = fixture;
    const answer = await asAdmin.access.whatCanUserReach({ userId: users.m1.id });
    expect(answer.user).toMatchObject({ id: users.m1.id, status: "ACTIVE", teams: [{ id: team.id }] });
    expect(
      mineOnly(answer.servers).map((server) => ({
        serverId: server.serverId,
        scope: server.scope,
        allowedTools: server.allowedTools,
        via: server.via.map(({ registryId, subject, allowedTools }) => ({
          registryId,
          subject,
          allowedTools,
        })),
      })),
    ).toEqual([
      {
        serverId: servers.open.id,
        scope: "SHARED",
        allowedTools: null,
        via: [{ registryId: registries.r3.id, subject: "everyone", allowedTools: null }],
      },
      {
        serverId: servers.server.id,
        scope: "SHARED",
        allowedTools: ["echo", "get-sum"],
        via: [
          {
            registryId: registries.r1.id,
            subject: { teamId: team.id, teamName: team.name },
            allowedTools: ["echo"],
          },
          { registryId: registries.r2.id, subject: "direct", allowedTools: ["get-sum"] },
        ],
      },
    ]);
  });

  it("includes personal servers, and gives a deactivated user nothing", async () => {
    const { users, servers } = fixture;
    const m3 = await asAdmin.access.whatCanUserReach({ userId: users.m3.id });
    expect(mineOnly(m3.servers).map((server) => [server.serverId, server.scope])).toEqual([
      [servers.open.id, "SHARED"],
      [servers.personal.id, "PERSONAL"],
      [servers.server.id, "SHARED"],
    ]);
    const gone = await asAdmin.access.whatCanUserReach({ userId: users.gone.id });
    expect(gone.user.status).toBe("DEACTIVATED");
    expect(gone.servers).toEqual([]);
    await expectTrpcError(asAdmin.access.whatCanUserReach({ userId: crypto.randomUUID() }), "NOT_FOUND");
  });

  it("finds users by name or email, deactivated ones included", async () => {
    const { users } = fixture;
    const found = await asAdmin.access.searchUsers({ search: users.gone.email });
    expect(found.map((user) => [user.id, user.status])).toEqual([[users.gone.id, "DEACTIVATED"]]);
  });
});
