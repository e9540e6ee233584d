import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, uniqueSuffix } from "@/prisma/seed/factories";
import { appKeyring } from "@/server/crypto/keyring";
import { db, disconnectDb } from "@/server/db";
import { buildAuditRow } from "@/server/mcp/audit";
import { AuditWriter, closeAuditPool } from "@/server/mcp/audit-writer";
import { callerFor, expectTrpcError, TEST_CLIENT_IP } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/**
 * The audit log as people read it (audit.list, audit.bodies): who sees which events, the filters,
 * pages without gaps, names looked up for ids, and bodies opened by Auditors only, each reading
 * itself audited. The database is shared with other test files, so lists are narrowed to this
 * file's own users, servers or tool names.
 */

const SUFFIX = uniqueSuffix();
const TOOL = `audit-log-tool-${SUFFIX}`;

let admin: Awaited<ReturnType<typeof signedInUser>>;
let auditor: Awaited<ReturnType<typeof signedInUser>>;
let publisher: Awaited<ReturnType<typeof signedInUser>>;
let agentUser: Awaited<ReturnType<typeof signedInUser>>;
let ownServer: { id: string; versionId: string };
let otherServer: { id: string };
let tokenId: string;
const writer = new AuditWriter();
/** ids of the MCP rows written below, oldest first */
const mcpIds: string[] = [];

/** An MCP exchange row as the proxy writes it, with sealed bodies. */
async function exchange(options: {
  serverId: string;
  outcome?: "OK" | "DENIED";
  subject?: string;
  startedAt: number;
  response?: string;
  tokenId?: string;
  connectionId?: string;
}) {
  const row = buildAuditRow(
    {
      userId: agentUser.user.id,
      tokenId: options.tokenId ?? tokenId,
      serverId: options.serverId,
      connectionId: options.connectionId ?? randomUUID(),
      sessionId: `session-${SUFFIX}`,
      client: "audit-test-agent/1.0",
      clientIp: "198.51.100.30",
      userAgent: "audit-test",
      requestId: `req-${randomUUID()}`,
    },
    {
      action: "mcp.request",
      outcome: options.outcome ?? "OK",
      reason: options.outcome === "DENIED" ? "tool not allowed" : null,
      method: "tools/call",
      subject: options.subject ?? TOOL,
      startedAt: options.startedAt,
      requestBody: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: TOOL } }),
      responseBody: options.response ?? JSON.stringify({ jsonrpc: "2.0", id: 1, result: { content: [] } }),
    },
    appKeyring(),
  );
  await writer.write(row);
  mcpIds.push(row.id);
  return row.id;
}

beforeAll(async () => {
  admin = await signedInUser(db(), "ADMIN");
  auditor = await signedInUser(db(), "BASIC_USER", { isAuditor: true });
  publisher = await signedInUser(db(), "POWER_USER");
  agentUser = await signedInUser(db(), "BASIC_USER");
  ownServer = await createServer(db(), { ownerId: publisher.user.id, name: `Own ${SUFFIX}` });
  otherServer = await createServer(db(), { ownerId: admin.user.id, name: `Other ${SUFFIX}` });
  const token = await db().apiToken.create({
    data: {
      userId: agentUser.user.id,
      name: `agent token ${SUFFIX}`,
      keyId: `k${SUFFIX}`.slice(0, 20),
      secretHash: "x",
    },
  });
  tokenId = token.id;
  const start = Date.now() - 60_000;
  for (let i = 0; i < 5; i++) await exchange({ serverId: ownServer.id, startedAt: start + i * 1000 });
  await exchange({ serverId: ownServer.id, startedAt: start + 5000, outcome: "DENIED" });
  await exchange({ serverId: otherServer.id, startedAt: start + 6000 });
  // A change made in Gatehouse (not MCP traffic) by the publisher, about their server.
  await db().auditEvent.create({
    data: {
      action: "server.update",
      actorUserId: publisher.user.id,
      serverId: ownServer.id,
      targetType: "server",
      targetId: ownServer.id,
      reason: `renamed ${SUFFIX}`,
    },
  });
  // A week-old event of this file's tool: outside the default 24 h window.
  await exchange({ serverId: ownServer.id, startedAt: Date.now() - 8 * 86_400_000 });
});

afterAll(async () => {
  await closeAuditPool();
  await disconnectDb();
});

describe("audit.list", () => {
  it("shows an Admin every kind of event with names looked up, and never bodies", async () => {
    const caller = await callerFor(admin.sessionId);
    const page = await caller.audit.list({ search: TOOL, period: "24h" });
    expect(page.visibility).toBe("all");
    expect(page.canReadBodies).toBe(false);
    expect(page.items.map((item) => item.id)).toEqual(mcpIds.slice(0, 7).reverse());
    expect(page.items[0]).toMatchObject({
      action: "mcp.request",
      method: "tools/call",
      subject: TOOL,
      actor: { id: agentUser.user.id, email: agentUser.user.email },
      token: { id: tokenId, name: `agent token ${SUFFIX}` },
      server: { id: otherServer.id, name: `Other ${SUFFIX}` },
      client: "audit-test-agent/1.0",
      clientIp: "198.51.100.30",
      hasBodies: true,
    });
    expect(JSON.stringify(page)).not.toContain('bodies":{');
    expect(page.items[0]).not.toHaveProperty("bodies");
  });

  it("filters by kind, outcome, user, server and period", async () => {
    const caller = await callerFor(admin.sessionId);
    const ids = async (input: Parameters<typeof caller.audit.list>[0]) =>
      (await caller.audit.list(input)).items.map((item) => item.id);
    expect(await ids({ search: TOOL, outcome: "DENIED", period: "24h" })).toEqual([mcpIds[5]]);
    expect(await ids({ search: TOOL, serverId: otherServer.id, period: "24h" })).toEqual([mcpIds[6]]);
    expect(await ids({ search: TOOL, period: "all" })).toHaveLength(8);
    expect(await ids({ search: TOOL, period: "24h", sessionId: `session-${SUFFIX}` })).toHaveLength(7);
    expect(await ids({ search: TOOL, period: "24h", sessionId: "another-session" })).toEqual([]);
    expect(await ids({ search: TOOL, period: "24h", kind: "access" })).toEqual([]);
    const changes = await caller.audit.list({ userId: publisher.user.id, kind: "access" });
    expect(changes.items.map((item) => item.action)).toContain("server.update");
    expect(changes.items.every((item) => !item.action.startsWith("mcp."))).toBe(true);
    expect(await ids({ userId: "not-a-uuid" })).toEqual([]);
  });

  it("pages newest first without gaps or repeats", async () => {
    const caller = await callerFor(admin.sessionId);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await caller.audit.list({ search: TOOL, period: "all", limit: 3, cursor });
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([...mcpIds].sort().reverse());
  });

  it("pages through events of the same millisecond, made by several processes, without gaps or repeats", async () => {
    const subject = `same-ms-${SUFFIX}`;
    const at = Date.now() - 30_000;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await exchange({ serverId: ownServer.id, startedAt: at, subject }));
    // Ids made elsewhere (another instance, Prisma's own uuid(7)) at that same time.
    for (let i = 0; i < 3; i++) {
      const row = await db().auditEvent.create({
        data: { action: "mcp.request", subject, occurredAt: new Date(at), serverId: ownServer.id },
      });
      ids.push(row.id);
    }
    const caller = await callerFor(admin.sessionId);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await caller.audit.list({ search: subject, limit: 2, cursor });
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([...ids].sort().reverse());
  });

  it("searches LIKE's wildcards literally, and refuses a cursor it did not make", async () => {
    const caller = await callerFor(admin.sessionId);
    await exchange({
      serverId: ownServer.id,
      startedAt: Date.now() - 20_000,
      subject: `get_issue_${SUFFIX}`,
    });
    await exchange({
      serverId: ownServer.id,
      startedAt: Date.now() - 20_000,
      subject: `getXissue_${SUFFIX}`,
    });
    const subjects = async (search: string) =>
      (await caller.audit.list({ search })).items.map((item) => item.subject);
    expect(await subjects(`get_issue_${SUFFIX}`)).toEqual([`get_issue_${SUFFIX}`]);
    expect(await subjects(`get%issue_${SUFFIX}`)).toEqual([]);
    await expectTrpcError(caller.audit.list({ cursor: "not-a-cursor" }), "BAD_REQUEST", /no longer valid/);
  });

  it("shows a Power user only the events of servers they published", async () => {
    const caller = await callerFor(publisher.sessionId);
    const page = await caller.audit.list({ search: SUFFIX, period: "24h" });
    expect(page.visibility).toBe("own_servers");
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((item) => item.server?.id === ownServer.id)).toBe(true);
    expect(page.items.map((item) => item.id)).not.toContain(mcpIds[6]);
    // Asking for another server's events directly shows nothing either.
    expect((await caller.audit.list({ serverId: otherServer.id, period: "all" })).items).toEqual([]);
  });

  it("merges the events of each of a Power user's servers, newest first", async () => {
    const second = await createServer(db(), { ownerId: publisher.user.id, name: `Second ${SUFFIX}` });
    const subject = `merge-${SUFFIX}`;
    const start = Date.now() - 10_000;
    const written: string[] = [];
    for (let i = 0; i < 6; i++)
      written.push(
        await exchange({
          serverId: i % 2 === 0 ? ownServer.id : second.id,
          startedAt: start + i * 100,
          subject,
        }),
      );
    const caller = await callerFor(publisher.sessionId);
    const first = await caller.audit.list({ search: subject, limit: 4 });
    expect(first.items.map((item) => item.id)).toEqual(written.slice(2).reverse());
    const rest = await caller.audit.list({ search: subject, limit: 4, cursor: first.nextCursor });
    expect(rest.items.map((item) => item.id)).toEqual(written.slice(0, 2).reverse());
    expect(rest.nextCursor).toBeNull();
    expect((await caller.audit.list({ search: subject, serverId: second.id })).items).toHaveLength(3);
  });

  it("filters by token and by connection (what one leaked token did), naming the connection", async () => {
    const leaked = await db().apiToken.create({
      data: {
        userId: agentUser.user.id,
        name: `leaked ${SUFFIX}`,
        keyId: `l${SUFFIX}`.slice(0, 20),
        secretHash: "x",
      },
    });
    const connection = await db().connection.create({
      data: {
        publicId: `audit-${SUFFIX}`,
        userId: agentUser.user.id,
        serverId: ownServer.id,
        serverVersionId: ownServer.versionId,
        name: `Work laptop ${SUFFIX}`,
      },
    });
    const subject = `leak-${SUFFIX}`;
    const start = Date.now() - 5_000;
    const viaLeaked = [
      await exchange({ serverId: ownServer.id, startedAt: start, subject, tokenId: leaked.id }),
      await exchange({
        serverId: ownServer.id,
        startedAt: start + 100,
        subject,
        tokenId: leaked.id,
        connectionId: connection.id,
      }),
    ];
    const viaConnection = await exchange({
      serverId: ownServer.id,
      startedAt: start + 200,
      subject,
      connectionId: connection.id,
    });
    const caller = await callerFor(admin.sessionId);
    const ids = async (input: Parameters<typeof caller.audit.list>[0]) =>
      (await caller.audit.list(input)).items.map((item) => item.id);
    expect(await ids({ tokenId: leaked.id })).toEqual([...viaLeaked].reverse());
    expect(await ids({ connectionId: connection.id })).toEqual([viaConnection, viaLeaked[1]]);
    expect(await ids({ tokenId: leaked.id, connectionId: connection.id })).toEqual([viaLeaked[1]]);
    expect(await ids({ tokenId: "not-a-uuid" })).toEqual([]);
    expect(await ids({ connectionId: randomUUID() })).toEqual([]);

    const [newest] = (await caller.audit.list({ connectionId: connection.id })).items;
    expect(newest?.connection).toEqual({ id: connection.id, name: `Work laptop ${SUFFIX}` });
    expect(newest?.token).toEqual({ id: tokenId, name: `agent token ${SUFFIX}` });
    // A deleted connection still filters, by id, and shows without a name.
    await db().connection.delete({ where: { id: connection.id } });
    const [afterDelete] = (await caller.audit.list({ connectionId: connection.id })).items;
    expect(afterDelete?.connection).toEqual({ id: connection.id, name: null });
  });

  it("keeps the actor of an event whose user row was deleted", async () => {
    const gone = await signedInUser(db(), "BASIC_USER");
    await db().auditEvent.create({
      data: { action: "token.issue", actorUserId: gone.user.id, reason: `gone ${SUFFIX}` },
    });
    await db().user.delete({ where: { id: gone.user.id } });
    const page = await (await callerFor(admin.sessionId)).audit.list({ search: `gone ${SUFFIX}` });
    expect(page.items[0]?.actor).toEqual({ id: gone.user.id, email: null, name: null });
  });
});

describe("audit.bodies", () => {
  it("opens an exchange's bodies for an Auditor, and records who read them", async () => {
    const caller = await callerFor(auditor.sessionId);
    const listed = await caller.audit.list({ search: TOOL, period: "24h" });
    expect(listed.canReadBodies).toBe(true);
    const eventId = mcpIds[0] as string;
    const bodies = await caller.audit.bodies({ eventId });
    expect(JSON.parse(bodies.request ?? "")).toMatchObject({ method: "tools/call", params: { name: TOOL } });
    expect(JSON.parse(bodies.response ?? "")).toMatchObject({ result: { content: [] } });
    expect(bodies.truncatedToBytes).toBeNull();
    const read = await db().auditEvent.findFirst({
      where: { action: "audit.bodies.read", actorUserId: auditor.user.id, targetId: eventId },
    });
    expect(read).toMatchObject({ outcome: "OK", targetType: "audit_event", clientIp: TEST_CLIENT_IP });
  });

  it("says when the bodies were kept only in part", async () => {
    const big = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { text: "x".repeat(70_000) } });
    const eventId = await exchange({ serverId: ownServer.id, startedAt: Date.now(), response: big });
    const bodies = await (await callerFor(auditor.sessionId)).audit.bodies({ eventId });
    expect(bodies.truncatedToBytes).toBe(64 * 1024);
    expect(bodies.responseBytes).toBe(Buffer.byteLength(big));
    expect(Buffer.byteLength(bodies.response ?? "")).toBeLessThanOrEqual(64 * 1024);
  });

  it("answers NOT_FOUND for an event without bodies and for an unknown id", async () => {
    const caller = await callerFor(auditor.sessionId);
    const change = await db().auditEvent.findFirstOrThrow({ where: { reason: `renamed ${SUFFIX}` } });
    await expectTrpcError(caller.audit.bodies({ eventId: change.id }), "NOT_FOUND");
    await expectTrpcError(caller.audit.bodies({ eventId: randomUUID() }), "NOT_FOUND");
  });

  it("refuses an Admin who is not an Auditor, and audits the refusal", async () => {
    const caller = await callerFor(admin.sessionId);
    await expectTrpcError(caller.audit.bodies({ eventId: mcpIds[0] as string }), "FORBIDDEN");
    const denial = await db().auditEvent.findFirst({
      where: { action: "auth.denied", actorUserId: admin.user.id },
    });
    expect(denial).toMatchObject({ outcome: "DENIED", reason: "missing permission audit.read_bodies" });
    expect(
      await db().auditEvent.count({
        where: { action: "audit.bodies.read", actorUserId: admin.user.id },
      }),
    ).toBe(0);
  });
});
