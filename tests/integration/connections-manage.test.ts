import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import type { Prisma } from "@/server/db/generated/client";
import { AppError } from "@/server/errors";
import { isConnectionPublicId } from "@/server/services/connections/connection-url";
import { field, grantedServer, PUBLIC_UPSTREAM } from "./connections-fixtures";
import { type Caller, callerFor, expectTrpcError, TEST_CLIENT_IP } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/**
 * Connections (issue 4): the connect form, creating, editing, moving and deleting one's own
 * connections, and what is stored (secrets sealed, audit rows without values).
 */

const API_KEY = `sk-live-${uniqueSuffix()}-very-secret`;
const TEAM_VALUE = `team-${uniqueSuffix()}`;

/** region (url variable with choices), an API key (secret header), a team header, and a shared field. */
const FIELDS = [
  field({
    name: "region",
    label: "Region",
    target: "url-variable",
    choices: ["eu", "us"],
    default: "eu",
    required: true,
  }),
  field({ name: "X-Api-Key", label: "API key", target: "header", secret: true, required: true }),
  field({ name: "X-Team", label: "Team", target: "header", description: "Your team's id" }),
  field({ name: "X-Debug-Token", label: "Debug token", target: "header", secret: true }),
  field({ name: "X-Org", label: "Organisation", target: "header", perUser: false, required: true }),
];

let alice: Awaited<ReturnType<typeof signedInUser>>;
let bob: Awaited<ReturnType<typeof signedInUser>>;
let asAlice: Caller;
let asBob: Caller;

beforeAll(async () => {
  [alice, bob] = await Promise.all([signedInUser(db()), signedInUser(db())]);
  [asAlice, asBob] = await Promise.all([callerFor(alice.sessionId), callerFor(bob.sessionId)]);
});

afterAll(async () => {
  await disconnectDb();
});

async function aliceServer(extra: Partial<Parameters<typeof grantedServer>[0]> = {}) {
  return grantedServer({
    grantees: [alice.user.id],
    name: `Weather ${uniqueSuffix()}`,
    url: `${PUBLIC_UPSTREAM}/mcp/{region}`,
    configSchema: FIELDS,
    sharedConfig: { "X-Org": "acme" },
    ...extra,
  });
}

/** Version 2.0.0 of `serverId` with `fields`, approved: connections stay on theirs until moved. */
async function approveVersion2(serverId: string, fields: unknown[]) {
  const v2 = await db().serverVersion.create({
    data: {
      serverId,
      version: "2.0.0",
      transport: "STREAMABLE_HTTP",
      url: `${PUBLIC_UPSTREAM}/v2/{region}`,
      configSchema: fields as Prisma.InputJsonValue,
      sharedConfig: { "X-Org": "acme" },
      status: "APPROVED",
    },
  });
  await db().server.update({ where: { id: serverId }, data: { approvedVersionId: v2.id } });
  return v2;
}

/** The AppError behind a failed tRPC call, to read its details. */
async function appErrorOf(call: Promise<unknown>): Promise<AppError> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (!(cause instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return cause;
}

describe("the connect form", () => {
  it("shows the approved version's per-user fields, never the shared ones or their values", async () => {
    const { server } = await aliceServer();
    const form = await asAlice.connections.connectForm({ slug: server.slug.toUpperCase() });
    expect(form.server).toMatchObject({ id: server.id, slug: server.slug, name: server.name });
    expect(form.version).toEqual({
      id: server.versionId,
      version: "1.0.0",
      transport: "STREAMABLE_HTTP",
      upstreamAuth: "NONE",
    });
    expect(form.fields.map((f) => f.name)).toEqual(["region", "X-Api-Key", "X-Team", "X-Debug-Token"]);
    expect(form.fields[0]).toEqual({
      name: "region",
      label: "Region",
      description: "",
      secret: false,
      required: true,
      default: "eu",
      choices: ["eu", "us"],
      target: "url-variable",
    });
    expect(JSON.stringify(form)).not.toContain("acme");
    expect(form.suggestedName).toBe(server.name);
  });

  it("is NOT_FOUND for servers the user cannot see, lacking an approved version, or odd slugs", async () => {
    const { server } = await aliceServer();
    await expectTrpcError(asBob.connections.connectForm({ slug: server.slug }), "NOT_FOUND");
    const personalDraft = await createServer(db(), {
      ownerId: alice.user.id,
      scope: "PERSONAL",
      status: "DRAFT",
    });
    await expectTrpcError(asAlice.connections.connectForm({ slug: personalDraft.slug }), "NOT_FOUND");
    for (const slug of [`../${server.slug}`, `${server.slug}/`, "", "%2e%2e", `${server.slug}\u0000`]) {
      await expectTrpcError(asAlice.connections.connectForm({ slug }), "NOT_FOUND");
    }
    await expectTrpcError(
      asBob.connections.create({ slug: server.slug, values: { "X-Api-Key": "k" } }),
      "NOT_FOUND",
    );
  });
});

describe("creating a connection", () => {
  it("stores plain values, seals secrets, and answers with an unguessable URL", async () => {
    const { server } = await aliceServer();
    const created = await asAlice.connections.create({
      slug: server.slug,
      values: { region: "us", "X-Api-Key": API_KEY, "X-Team": TEAM_VALUE },
    });
    expect(created).toMatchObject({ name: server.name, status: "CONFIGURED" });

    const row = await db().connection.findUniqueOrThrow({ where: { id: created.id } });
    expect(isConnectionPublicId(row.publicId)).toBe(true);
    expect(row.publicId).toHaveLength(43);
    expect(created.url.endsWith(`/mcp/${row.publicId}`)).toBe(true);
    expect(row).toMatchObject({
      userId: alice.user.id,
      serverId: server.id,
      serverVersionId: server.versionId,
      config: { region: "us", "X-Team": TEAM_VALUE },
    });
    // The secret is only in the sealed bytes, and not readable there.
    expect(row.secrets).not.toBeNull();
    expect(Buffer.from(row.secrets as Uint8Array).includes(Buffer.from(API_KEY))).toBe(false);
    expect(Buffer.from(row.secrets as Uint8Array).includes(Buffer.from("sk-live"))).toBe(false);

    const detail = await asAlice.connections.get({ connectionId: created.id });
    expect(JSON.stringify(detail)).not.toContain(API_KEY);
    expect(detail.fields.map((f) => [f.name, f.value])).toEqual([
      ["region", "us"],
      ["X-Api-Key", { set: true }],
      ["X-Team", TEAM_VALUE],
      ["X-Debug-Token", { set: false }],
    ]);
    expect(detail).toMatchObject({
      id: created.id,
      url: created.url,
      status: "CONFIGURED",
      isAvailable: true,
      server: { slug: server.slug, name: server.name },
      version: { id: server.versionId, version: "1.0.0" },
      newerVersion: null,
      missingFields: [],
      lastUsedAt: null,
    });

    const audit = await db().auditEvent.findFirstOrThrow({
      where: { action: "connection.create", targetId: created.id },
    });
    expect(audit).toMatchObject({ actorUserId: alice.user.id, clientIp: TEST_CLIENT_IP, outcome: "OK" });
    expect(audit.metadata).toEqual({
      name: server.name,
      status: "CONFIGURED",
      serverId: server.id,
      serverSlug: server.slug,
      serverVersionId: server.versionId,
      version: "1.0.0",
      fields: ["X-Team", "region"],
      secretFields: ["X-Api-Key"],
    });
    expect(JSON.stringify(audit)).not.toContain(API_KEY);
  });

  it("refuses unknown fields, missing required values and values outside the choices, naming each", async () => {
    const { server } = await aliceServer();
    const before = await db().connection.count({ where: { serverId: server.id } });

    const unknown = await appErrorOf(
      asAlice.connections.create({
        slug: server.slug,
        values: { "X-Api-Key": "k", "X-Org": "evil", bogus: "1" },
      }),
    );
    expect(unknown.code).toBe("BAD_REQUEST");
    expect(unknown.details?.fieldErrors).toEqual({
      "X-Org": ["is not a configuration field of this server"],
      bogus: ["is not a configuration field of this server"],
    });

    const missing = await appErrorOf(
      asAlice.connections.create({ slug: server.slug, values: { "X-Api-Key": "" } }),
    );
    expect(missing.details?.fieldErrors).toEqual({ "X-Api-Key": ["API key is required"] });

    const choice = await appErrorOf(
      asAlice.connections.create({ slug: server.slug, values: { region: "mars", "X-Api-Key": "k" } }),
    );
    expect(choice.details?.fieldErrors).toEqual({ region: ["must be one of eu, us"] });

    await expectTrpcError(
      asAlice.connections.create({
        slug: server.slug,
        values: { "X-Api-Key": "k" },
        userId: bob.user.id,
      } as never),
      "BAD_REQUEST",
    );
    expect(await db().connection.count({ where: { serverId: server.id } })).toBe(before);
  });

  it("numbers default names per user, keeps chosen names, and gives every connection its own URL", async () => {
    const { server } = await aliceServer({ grantees: [alice.user.id, bob.user.id] });
    const values = { "X-Api-Key": "k" };
    const first = await asAlice.connections.create({ slug: server.slug, values });
    const second = await asAlice.connections.create({ slug: server.slug, values });
    const third = await asAlice.connections.create({ slug: server.slug, values, name: "  " });
    const named = await asAlice.connections.create({ slug: server.slug, values, name: "  Work account " });
    const bobs = await asBob.connections.create({ slug: server.slug, values });
    expect([first.name, second.name, third.name, named.name, bobs.name]).toEqual([
      server.name,
      `${server.name} (2)`,
      `${server.name} (3)`,
      "Work account",
      server.name,
    ]);
    const urls = [first, second, third, named, bobs].map((c) => c.url);
    expect(new Set(urls).size).toBe(5);
  });

  it("marks connections that still need something: shared values missing, upstream sign-in", async () => {
    const unshared = await aliceServer({ sharedConfig: {} });
    const needs = await asAlice.connections.create({
      slug: unshared.server.slug,
      values: { "X-Api-Key": "k" },
    });
    expect(needs.status).toBe("NEEDS_CONFIGURATION");

    const oauth = await aliceServer({ upstreamAuth: "OAUTH" });
    const auth = await asAlice.connections.create({ slug: oauth.server.slug, values: { "X-Api-Key": "k" } });
    expect(auth.status).toBe("UPSTREAM_AUTH_NEEDED");

    const plain = await aliceServer({ configSchema: [], url: `${PUBLIC_UPSTREAM}/mcp` });
    const form = await asAlice.connections.connectForm({ slug: plain.server.slug });
    expect(form.fields).toEqual([]);
    const oneClick = await asAlice.connections.create({ slug: plain.server.slug, values: {} });
    expect(oneClick.status).toBe("CONFIGURED");
    const row = await db().connection.findUniqueOrThrow({ where: { id: oneClick.id } });
    expect(row.secrets).toBeNull();
  });
});

describe("someone else's connection", () => {
  it("is NOT_FOUND for get, update, move and delete, and malformed ids are too", async () => {
    const { server } = await aliceServer();
    const created = await asAlice.connections.create({ slug: server.slug, values: { "X-Api-Key": API_KEY } });
    const connectionId = created.id;
    await expectTrpcError(asBob.connections.get({ connectionId }), "NOT_FOUND");
    await expectTrpcError(asBob.connections.update({ connectionId, name: "Mine now" }), "NOT_FOUND");
    await expectTrpcError(asBob.connections.moveToLatest({ connectionId }), "NOT_FOUND");
    await expectTrpcError(asBob.connections.delete({ connectionId }), "NOT_FOUND");
    expect((await asBob.connections.list()).map((c) => c.id)).not.toContain(connectionId);
    for (const bad of [
      "not-a-uuid",
      `${connectionId}x`,
      `../${connectionId}`,
      created.url.split("/").pop() ?? "",
    ]) {
      await expectTrpcError(asAlice.connections.get({ connectionId: bad }), "NOT_FOUND");
      await expectTrpcError(asAlice.connections.delete({ connectionId: bad }), "NOT_FOUND");
    }
    const row = await db().connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(row.name).toBe(server.name);
  });
});

describe("editing a connection", () => {
  it("keeps a secret left blank, replaces or clears it on request, and audits only field names", async () => {
    const { server } = await aliceServer();
    const created = await asAlice.connections.create({
      slug: server.slug,
      values: { "X-Api-Key": API_KEY, "X-Debug-Token": "debug-secret-1" },
    });
    const connectionId = created.id;
    const before = await db().connection.findUniqueOrThrow({ where: { id: connectionId } });

    // Blank secrets keep their value; a plain value changes; the name changes.
    const renamed = await asAlice.connections.update({
      connectionId,
      name: "Renamed",
      values: { region: "eu", "X-Api-Key": "", "X-Team": TEAM_VALUE, "X-Debug-Token": "" },
    });
    expect(renamed).toEqual({ id: connectionId, name: "Renamed", status: "CONFIGURED" });
    let detail = await asAlice.connections.get({ connectionId });
    expect(detail.fields.map((f) => [f.name, f.value])).toEqual([
      ["region", "eu"],
      ["X-Api-Key", { set: true }],
      ["X-Team", TEAM_VALUE],
      ["X-Debug-Token", { set: true }],
    ]);
    const kept = await db().connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(Buffer.from(kept.secrets as Uint8Array).includes(Buffer.from(API_KEY))).toBe(false);
    expect(before.secrets).not.toBeNull();

    // Clearing an optional secret.
    await asAlice.connections.update({ connectionId, clearSecrets: ["X-Debug-Token"] });
    detail = await asAlice.connections.get({ connectionId });
    expect(detail.fields.find((f) => f.name === "X-Debug-Token")?.value).toEqual({ set: false });
    expect(detail.fields.find((f) => f.name === "X-Team")?.value).toBe(TEAM_VALUE);

    // A required secret cannot be cleared without a replacement; a plain field is not a secret to clear.
    const required = await appErrorOf(
      asAlice.connections.update({ connectionId, clearSecrets: ["X-Api-Key"] }),
    );
    expect(required.details?.fieldErrors).toEqual({ "X-Api-Key": ["API key is required"] });
    const notSecret = await appErrorOf(
      asAlice.connections.update({ connectionId, clearSecrets: ["X-Team"] }),
    );
    expect(notSecret.details?.fieldErrors).toEqual({ "X-Team": ["is not a secret field of this server"] });

    // Replacing the required secret while clearing it works.
    await asAlice.connections.update({
      connectionId,
      values: { "X-Api-Key": "replacement-secret-2" },
      clearSecrets: ["X-Api-Key"],
    });
    detail = await asAlice.connections.get({ connectionId });
    expect(detail.fields.map((f) => [f.name, f.value])).toEqual([
      ["region", null],
      ["X-Api-Key", { set: true }],
      ["X-Team", null],
      ["X-Debug-Token", { set: false }],
    ]);

    const events = await db().auditEvent.findMany({
      where: { action: "connection.update", targetId: connectionId },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
    });
    expect(events.map((event) => event.metadata)).toEqual([
      {
        before: { name: server.name, status: "CONFIGURED" },
        after: { name: "Renamed", status: "CONFIGURED" },
        changedFields: ["X-Team", "region"],
        changedSecrets: [],
        clearedSecrets: [],
      },
      {
        before: { name: "Renamed", status: "CONFIGURED" },
        after: { name: "Renamed", status: "CONFIGURED" },
        changedFields: [],
        changedSecrets: ["X-Debug-Token"],
        clearedSecrets: ["X-Debug-Token"],
      },
      {
        before: { name: "Renamed", status: "CONFIGURED" },
        after: { name: "Renamed", status: "CONFIGURED" },
        changedFields: ["X-Team", "region"],
        changedSecrets: ["X-Api-Key"],
        clearedSecrets: [],
      },
    ]);
    const text = JSON.stringify(events);
    for (const secret of [API_KEY, "debug-secret-1", "replacement-secret-2", TEAM_VALUE]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe("disconnecting", () => {
  it("deletes the row with its sealed secrets and records who did it", async () => {
    const { server } = await aliceServer();
    const created = await asAlice.connections.create({ slug: server.slug, values: { "X-Api-Key": API_KEY } });
    expect(await asAlice.connections.delete({ connectionId: created.id })).toEqual({ id: created.id });
    expect(await db().connection.findUnique({ where: { id: created.id } })).toBeNull();
    await expectTrpcError(asAlice.connections.get({ connectionId: created.id }), "NOT_FOUND");
    await expectTrpcError(asAlice.connections.delete({ connectionId: created.id }), "NOT_FOUND");
    const audit = await db().auditEvent.findFirstOrThrow({
      where: { action: "connection.delete", targetId: created.id },
    });
    expect(audit.actorUserId).toBe(alice.user.id);
    expect(audit.metadata).toEqual({
      name: server.name,
      serverId: server.id,
      serverSlug: server.slug,
      serverVersionId: server.versionId,
    });
  });
});

describe("versions", () => {
  it("keeps a connection on its version until moved, then carries over what still fits", async () => {
    const { server } = await aliceServer();
    const created = await asAlice.connections.create({
      slug: server.slug,
      values: { region: "us", "X-Api-Key": API_KEY, "X-Team": TEAM_VALUE },
    });
    await expectTrpcError(asAlice.connections.moveToLatest({ connectionId: created.id }), "CONFLICT");

    // Version 2: region loses "us", X-Team is gone, a new required field appears.
    const v2Fields = [
      field({
        name: "region",
        target: "url-variable",
        choices: ["eu", "apac"],
        default: "eu",
        required: true,
      }),
      field({ name: "X-Api-Key", label: "API key", target: "header", secret: true, required: true }),
      field({ name: "X-Project", label: "Project", target: "header", required: true }),
      field({ name: "X-Org", target: "header", perUser: false, required: true }),
    ];
    const v2 = await approveVersion2(server.id, v2Fields);

    const listed = (await asAlice.connections.list()).find((c) => c.id === created.id);
    expect(listed).toMatchObject({
      version: { id: server.versionId, version: "1.0.0" },
      newerVersion: { id: v2.id, version: "2.0.0" },
      status: "CONFIGURED",
    });
    // New connections use the approved version.
    expect((await asAlice.connections.connectForm({ slug: server.slug })).version.version).toBe("2.0.0");

    const moved = await asAlice.connections.moveToLatest({ connectionId: created.id });
    expect(moved).toEqual({
      id: created.id,
      status: "NEEDS_CONFIGURATION",
      version: "2.0.0",
      droppedFields: ["X-Team", "region"],
      missingFields: ["X-Project"],
    });
    const detail = await asAlice.connections.get({ connectionId: created.id });
    expect(detail).toMatchObject({
      version: { id: v2.id, version: "2.0.0" },
      newerVersion: null,
      status: "NEEDS_CONFIGURATION",
      missingFields: ["X-Project"],
    });
    expect(detail.fields.map((f) => [f.name, f.value])).toEqual([
      ["region", null],
      ["X-Api-Key", { set: true }],
      ["X-Project", null],
    ]);

    const fixed = await asAlice.connections.update({
      connectionId: created.id,
      values: { region: "apac", "X-Api-Key": "", "X-Project": "p1" },
    });
    expect(fixed.status).toBe("CONFIGURED");
    const audit = await db().auditEvent.findFirstOrThrow({
      where: { action: "connection.move_version", targetId: created.id },
    });
    expect(audit.metadata).toEqual({
      before: { serverVersionId: server.versionId, version: "1.0.0", status: "CONFIGURED" },
      after: { serverVersionId: v2.id, version: "2.0.0", status: "NEEDS_CONFIGURATION" },
      droppedFields: ["X-Team", "region"],
      missingFields: ["X-Project"],
    });
    expect(JSON.stringify(audit)).not.toContain(API_KEY);
  });
});

describe("audit rows", () => {
  it("name the server and the connection in their own columns, for per-server and per-connection views", async () => {
    const { server } = await aliceServer();
    const created = await asAlice.connections.create({ slug: server.slug, values: { "X-Api-Key": API_KEY } });
    await asAlice.connections.update({ connectionId: created.id, name: "Renamed" });
    await approveVersion2(server.id, FIELDS);
    await asAlice.connections.moveToLatest({ connectionId: created.id });
    await asAlice.connections.delete({ connectionId: created.id });

    // What a per-server view (indexed on serverId) finds, not what the metadata happens to hold.
    const events = await db().auditEvent.findMany({
      where: { serverId: server.id, action: { startsWith: "connection." } },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
    });
    expect(events.map((event) => [event.action, event.serverId, event.connectionId])).toEqual([
      ["connection.create", server.id, created.id],
      ["connection.update", server.id, created.id],
      ["connection.move_version", server.id, created.id],
      ["connection.delete", server.id, created.id],
    ]);
  });
});

describe("my connections", () => {
  it("lists only the user's own, newest first, and marks one whose grant was removed as unavailable", async () => {
    const carol = await signedInUser(db());
    const asCarol = await callerFor(carol.sessionId);
    const kept = await grantedServer({ grantees: [carol.user.id], name: `Kept ${uniqueSuffix()}` });
    const revoked = await grantedServer({ grantees: [carol.user.id], name: `Revoked ${uniqueSuffix()}` });
    const first = await asCarol.connections.create({ slug: kept.server.slug, values: {} });
    const second = await asCarol.connections.create({ slug: revoked.server.slug, values: {} });
    await asAlice.connections.create({
      slug: (await aliceServer()).server.slug,
      values: { "X-Api-Key": "k" },
    });

    let list = await asCarol.connections.list();
    expect(list.map((c) => [c.id, c.isAvailable])).toEqual([
      [second.id, true],
      [first.id, true],
    ]);

    await db().registrySubject.deleteMany({ where: { registryId: revoked.registry.id } });
    list = await asCarol.connections.list();
    expect(list.map((c) => [c.id, c.isAvailable, c.status])).toEqual([
      [second.id, false, "CONFIGURED"],
      [first.id, true, "CONFIGURED"],
    ]);
    expect((await asCarol.connections.get({ connectionId: second.id })).isAvailable).toBe(false);
    await expectTrpcError(asCarol.connections.moveToLatest({ connectionId: second.id }), "CONFLICT");
    expect(list[1]).toEqual({
      id: first.id,
      name: kept.server.name,
      url: first.url,
      status: "CONFIGURED",
      isAvailable: true,
      server: { id: kept.server.id, slug: kept.server.slug, name: kept.server.name, iconUrl: null },
      version: { id: kept.server.versionId, version: "1.0.0" },
      newerVersion: null,
      createdAt: expect.any(Date),
      lastUsedAt: null,
    });
  });

  it("a deactivated user's connections are all unavailable", async () => {
    const dave = await createUser(db());
    const { server } = await grantedServer({ grantees: [dave.id] });
    const { createConnection } = await import("@/server/services/connections/create-connection");
    const { listMyConnections } = await import("@/server/services/connections/list-my-connections");
    const created = await createConnection({
      db: db(),
      userId: dave.id,
      slug: server.slug,
      values: {},
      context: {},
    });
    await db().user.update({
      where: { id: dave.id },
      data: { status: "DEACTIVATED", deactivatedAt: new Date() },
    });
    expect(
      (await listMyConnections({ db: db(), userId: dave.id })).map((c) => [c.id, c.isAvailable]),
    ).toEqual([[created.id, false]]);
  });
});
