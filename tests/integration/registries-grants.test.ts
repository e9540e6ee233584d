import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, createTeam, createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { listVisibleServers } from "@/server/services/catalog/visible-servers";
import { type Caller, callerFor, expectTrpcError, TEST_CLIENT_IP, TEST_USER_AGENT } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/** What a registry may grant, duplicates, the audit trail, and visibility on the very next request. */
let admin: Awaited<ReturnType<typeof signedInUser>>;
let asAdmin: Caller;

const CAPABILITIES = {
  tools: [
    { name: "echo", description: "Echoes" },
    { name: "get-sum", description: "Adds" },
    { name: "zip", description: "Zips" },
  ],
  prompts: [],
  resources: [],
};

async function approvedServer(capabilities: object | null = CAPABILITIES) {
  const server = await createServer(db(), { ownerId: admin.user.id, name: `Srv ${uniqueSuffix()}` });
  if (capabilities) {
    await db().serverVersion.update({ where: { id: server.versionId }, data: { capabilities } });
  }
  return server;
}

async function newRegistry(caller: Caller = asAdmin) {
  return caller.registries.create({ name: `Registry ${uniqueSuffix()}`, slug: `reg-${uniqueSuffix()}` });
}

beforeAll(async () => {
  admin = await signedInUser(db(), "ADMIN");
  asAdmin = await callerFor(admin.sessionId);
});

afterAll(async () => {
  await disconnectDb();
});

describe("which servers can be granted", () => {
  it("refuses personal and unapproved servers with a clear reason, and grants approved shared ones", async () => {
    const registry = await newRegistry();
    const owner = await createUser(db(), { role: "POWER_USER" });
    const personal = await createServer(db(), { ownerId: owner.id, scope: "PERSONAL", name: "Notes" });
    const draft = await createServer(db(), { ownerId: admin.user.id, status: "DRAFT", name: "Drafty" });
    const pending = await createServer(db(), {
      ownerId: admin.user.id,
      status: "PENDING_APPROVAL",
      name: "Waiting",
    });
    const retired = await createServer(db(), { ownerId: admin.user.id, status: "RETIRED", name: "Old" });
    const grant = (serverId: string) => asAdmin.registries.grantServer({ registryId: registry.id, serverId });

    await expectTrpcError(grant(personal.id), "BAD_REQUEST", /Notes is a personal server/);
    await expectTrpcError(grant(draft.id), "BAD_REQUEST", /Drafty is a draft\. Only approved servers/);
    await expectTrpcError(grant(pending.id), "BAD_REQUEST", /Waiting is waiting for approval/);
    await expectTrpcError(grant(retired.id), "BAD_REQUEST", /Old is retired/);
    await expectTrpcError(grant(crypto.randomUUID()), "NOT_FOUND");
    expect(await db().registryServer.count({ where: { registryId: registry.id } })).toBe(0);

    // A Power user+ gets NOT_FOUND for another person's personal server: its existence is not theirs to learn.
    const plus = await signedInUser(db(), "POWER_USER_PLUS");
    const asPlus = await callerFor(plus.sessionId);
    const theirs = await newRegistry(asPlus);
    await expectTrpcError(
      asPlus.registries.grantServer({ registryId: theirs.id, serverId: personal.id }),
      "NOT_FOUND",
    );
    const ownPersonal = await createServer(db(), { ownerId: plus.user.id, scope: "PERSONAL", name: "Mine" });
    await expectTrpcError(
      asPlus.registries.grantServer({ registryId: theirs.id, serverId: ownPersonal.id }),
      "BAD_REQUEST",
      /Mine is a personal server/,
    );

    const approved = await approvedServer();
    const detail = await grant(approved.id);
    expect(detail.servers).toEqual([
      expect.objectContaining({ serverId: approved.id, allowedTools: [], isEffective: true, canWiden: true }),
    ]);
    await expectTrpcError(grant(approved.id), "CONFLICT", /already in/);
  });

  it("checks tool names against the discovered tools, or their shape before discovery", async () => {
    const registry = await newRegistry();
    const known = await approvedServer();
    const unknown = await approvedServer(null);
    const grant = (serverId: string, allowedTools: string[]) =>
      asAdmin.registries.grantServer({ registryId: registry.id, serverId, allowedTools });

    await expectTrpcError(grant(known.id, ["echo", "rm-rf"]), "BAD_REQUEST", /no tool named "rm-rf"/);
    const detail = await grant(known.id, ["get-sum", "echo", "echo"]);
    expect(detail.servers.find((s) => s.serverId === known.id)).toMatchObject({
      allowedTools: ["echo", "get-sum"],
      knownTools: CAPABILITIES.tools.map(({ name, description }) => ({ name, description })),
    });
    await expectTrpcError(
      asAdmin.registries.updateAllowedTools({
        registryId: registry.id,
        serverId: known.id,
        allowedTools: ["nope"],
      }),
      "BAD_REQUEST",
      /no tool named "nope"/,
    );

    await expectTrpcError(
      grant(unknown.id, ["ok", "bad name"]),
      "BAD_REQUEST",
      /"bad name" is not a tool name/,
    );
    await expectTrpcError(grant(unknown.id, ["<script>"]), "BAD_REQUEST", /is not a tool name/);
    const later = await grant(unknown.id, ["search_issues", "repo/read", "v1.get"]);
    expect(later.servers.find((s) => s.serverId === unknown.id)).toMatchObject({
      allowedTools: ["repo/read", "search_issues", "v1.get"],
      knownTools: null,
    });
  });
});

describe("subjects", () => {
  it("refuses duplicates of every kind (NULL ids included) and deactivated users", async () => {
    const registry = await newRegistry();
    const [team, user, gone] = await Promise.all([
      createTeam(db()),
      createUser(db()),
      createUser(db(), { status: "DEACTIVATED", deactivatedAt: new Date() }),
    ]);
    const add = (subject: Parameters<Caller["registries"]["addSubject"]>[0]["subject"]) =>
      asAdmin.registries.addSubject({ registryId: registry.id, subject });

    await add({ kind: "EVERYONE" });
    await expectTrpcError(add({ kind: "EVERYONE" }), "CONFLICT", /already granted to everyone/);
    await add({ kind: "TEAM", teamId: team.id });
    await expectTrpcError(add({ kind: "TEAM", teamId: team.id }), "CONFLICT", /already a subject/);
    await add({ kind: "USER", userId: user.id });
    await expectTrpcError(add({ kind: "USER", userId: user.id }), "CONFLICT", /already a subject/);
    await expectTrpcError(add({ kind: "USER", userId: gone.id }), "BAD_REQUEST", /is deactivated/);
    await expectTrpcError(add({ kind: "TEAM", teamId: crypto.randomUUID() }), "NOT_FOUND");

    const rows = await db().registrySubject.findMany({ where: { registryId: registry.id } });
    expect(rows.map((row) => row.kind).sort()).toEqual(["EVERYONE", "TEAM", "USER"]);
  });

  it("adds 'everyone' once even when two requests race", async () => {
    const registry = await newRegistry();
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () =>
        asAdmin.registries.addSubject({ registryId: registry.id, subject: { kind: "EVERYONE" } }),
      ),
    );
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    expect(await db().registrySubject.count({ where: { registryId: registry.id } })).toBe(1);
  });
});

describe("audit", () => {
  it("records every change with its actor, request facts, and before/after", async () => {
    const registry = await newRegistry();
    const server = await approvedServer();
    const team = await createTeam(db());
    await asAdmin.registries.update({ registryId: registry.id, name: "Renamed", description: "why" });
    const withTeam = await asAdmin.registries.addSubject({
      registryId: registry.id,
      subject: { kind: "TEAM", teamId: team.id },
    });
    const subjectId = withTeam.subjects[0]?.id ?? "";
    await asAdmin.registries.grantServer({
      registryId: registry.id,
      serverId: server.id,
      allowedTools: ["echo"],
    });
    await asAdmin.registries.updateAllowedTools({
      registryId: registry.id,
      serverId: server.id,
      allowedTools: ["echo", "zip"],
    });
    // Saving the same list again changes nothing and records nothing.
    await asAdmin.registries.updateAllowedTools({
      registryId: registry.id,
      serverId: server.id,
      allowedTools: ["zip", "echo"],
    });
    await asAdmin.registries.revokeServer({ registryId: registry.id, serverId: server.id });
    await asAdmin.registries.removeSubject({ registryId: registry.id, subjectId });
    // A refused change leaves no trace of a change.
    await expectTrpcError(
      asAdmin.registries.grantServer({
        registryId: registry.id,
        serverId: server.id,
        allowedTools: ["nope"],
      }),
      "BAD_REQUEST",
    );
    await asAdmin.registries.delete({ registryId: registry.id });

    const events = await db().auditEvent.findMany({
      where: { targetId: registry.id },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
    });
    expect(events.map((event) => event.action)).toEqual([
      "registry.create",
      "registry.update",
      "registry.subject.add",
      "registry.server.add",
      "registry.server.update_tools",
      "registry.server.remove",
      "registry.subject.remove",
      "registry.delete",
    ]);
    for (const event of events) {
      expect(event).toMatchObject({
        actorUserId: admin.user.id,
        targetType: "registry",
        outcome: "OK",
        clientIp: TEST_CLIENT_IP,
        userAgent: TEST_USER_AGENT,
      });
    }
    const metadata = events.map((event) => event.metadata);
    expect(metadata[0]).toMatchObject({ after: { slug: registry.slug, ownerId: admin.user.id } });
    expect(metadata[1]).toMatchObject({
      before: { name: registry.name, description: "" },
      after: { name: "Renamed", description: "why" },
    });
    expect(metadata[2]).toMatchObject({
      before: null,
      after: { kind: "TEAM", teamId: team.id, team: team.name },
    });
    expect(metadata[3]).toMatchObject({
      serverId: server.id,
      before: null,
      after: { allowedTools: ["echo"] },
    });
    expect(metadata[4]).toMatchObject({
      before: { allowedTools: ["echo"] },
      after: { allowedTools: ["echo", "zip"] },
    });
    expect(metadata[5]).toMatchObject({ before: { allowedTools: ["echo", "zip"] }, after: null });
    expect(metadata[6]).toMatchObject({ before: { kind: "TEAM", teamId: team.id }, after: null });
    expect(metadata[7]).toMatchObject({
      before: { slug: registry.slug, name: "Renamed", subjects: [], servers: [] },
    });
  });
});

describe("visibility on the next request", () => {
  it("follows grants, tool changes, subject removal, revocation and deletion at once", async () => {
    const [member, outsider] = await Promise.all([createUser(db()), createUser(db())]);
    const team = await createTeam(db());
    await db().teamMember.create({ data: { teamId: team.id, userId: member.id } });
    const server = await approvedServer();
    const registry = await newRegistry();
    const sees = async (userId: string) =>
      (await listVisibleServers({ db: db(), userId }))
        .filter((visible) => visible.serverId === server.id)
        .map((visible) => ({
          allowedTools: visible.allowedTools,
          via: visible.via.map((via) => via.registryId),
        }));

    await asAdmin.registries.grantServer({
      registryId: registry.id,
      serverId: server.id,
      allowedTools: ["echo"],
    });
    expect(await sees(member.id)).toEqual([]); // no subject yet
    const withTeam = await asAdmin.registries.addSubject({
      registryId: registry.id,
      subject: { kind: "TEAM", teamId: team.id },
    });
    expect(await sees(member.id)).toEqual([{ allowedTools: ["echo"], via: [registry.id] }]);
    expect(await sees(outsider.id)).toEqual([]);

    await asAdmin.registries.updateAllowedTools({
      registryId: registry.id,
      serverId: server.id,
      allowedTools: [],
    });
    expect(await sees(member.id)).toEqual([{ allowedTools: null, via: [registry.id] }]);

    await asAdmin.registries.removeSubject({
      registryId: registry.id,
      subjectId: withTeam.subjects[0]?.id ?? "",
    });
    expect(await sees(member.id)).toEqual([]);

    await asAdmin.registries.addSubject({
      registryId: registry.id,
      subject: { kind: "USER", userId: outsider.id },
    });
    expect(await sees(outsider.id)).toEqual([{ allowedTools: null, via: [registry.id] }]);
    await asAdmin.registries.revokeServer({ registryId: registry.id, serverId: server.id });
    expect(await sees(outsider.id)).toEqual([]);

    await asAdmin.registries.grantServer({ registryId: registry.id, serverId: server.id });
    expect(await sees(outsider.id)).toHaveLength(1);
    await asAdmin.registries.delete({ registryId: registry.id });
    expect(await sees(outsider.id)).toEqual([]);
  });
});
