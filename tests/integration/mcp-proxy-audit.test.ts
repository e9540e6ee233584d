import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyIdOf } from "@/server/crypto/envelope";
import { appKeyring } from "@/server/crypto/keyring";
import { db } from "@/server/db";
import { env } from "@/server/env";
import { AUDIT_BODY_MAX_BYTES, openAuditBodies, uuidv7 } from "@/server/mcp/audit";
import {
  AUDIT_COLUMN_COUNT,
  type AuditQuery,
  type AuditRow,
  type AuditSink,
  AuditWriter,
  createAuditPool,
} from "@/server/mcp/audit-writer";
import { freePort } from "../fixtures/everything-server";
import {
  connectedUser,
  type GatewayPath,
  INITIALIZE,
  messagesOf,
  openSession,
  postHeaders,
  ROUTE_CLIENT_IP,
  routeHandlerPath,
  startFastPath,
  useHandler,
} from "../fixtures/mcp-gateway";
import { type McpFixture, startMcpFixture } from "../fixtures/mcp-upstream";

/**
 * Audit of every exchange (issue 5): the exact row of a call, sealed bodies that open with the
 * keyring under the row's own id only, notifications and server-initiated pairs, denials, the
 * commit happening before the agent gets the answer, group commits, and failing closed when the
 * audit store is down.
 */
/** Counts the INSERTs the writer makes and how many rows each carries. */
const inserts: number[] = [];
const livePool = createAuditPool(env().DATABASE_URL, { max: 2 });
const countingQuery: AuditQuery = (text, values) => {
  expect(text).toMatch(/^INSERT INTO "AuditEvent" /);
  inserts.push(values.length / AUDIT_COLUMN_COUNT);
  return livePool.query(text, values);
};

const closedPort = await freePort();
const deadPool = createAuditPool(`postgresql://nobody@127.0.0.1:${closedPort}/none`, { max: 1 });
const deadQuery: AuditQuery = (text, values) => deadPool.query(text, values);

/** Switchable audit store: the real one (slowed down on demand), or one whose database is gone. */
const working = new AuditWriter({ query: countingQuery });
let broken = new AuditWriter({ query: deadQuery, coolDownMs: 60_000 });
const commits = new Map<string, number>();
const store = { isBroken: false, delayMs: 0 };
const sink: AuditSink = {
  assertAvailable: () => (store.isBroken ? broken : working).assertAvailable(),
  write: async (row) => {
    if (store.isBroken) return broken.write(row);
    if (store.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, store.delayMs));
    await working.write(row);
    commits.set(row.id as string, Date.now());
  },
};

let fixture: McpFixture;
let jsonFixture: McpFixture;
const gateways: Record<string, GatewayPath> = {};

beforeAll(async () => {
  useHandler({ audit: sink });
  [fixture, jsonFixture] = await Promise.all([startMcpFixture(), startMcpFixture({ jsonResponse: true })]);
  gateways["fast path"] = await startFastPath();
  gateways["route handler"] = await routeHandlerPath();
});

afterAll(async () => {
  for (const gateway of Object.values(gateways)) await gateway.close();
  await Promise.all([fixture?.stop(), jsonFixture?.stop()]);
  await Promise.all([livePool.end(), deadPool.end()]);
});

function bodiesOf(row: {
  id: string;
  bodies: Uint8Array | null;
  requestBody?: Uint8Array | null;
  responseBody?: Uint8Array | null;
}) {
  return openAuditBodies(appKeyring(), row);
}

describe.each(["fast path", "route handler"])("audit through the %s", (pathName) => {
  const gateway = () => gateways[pathName] as GatewayPath;

  it("writes one exact row per call, with bodies sealed to that row", async () => {
    const startedAt = Date.now();
    const world = await connectedUser({ upstreamUrl: fixture.url, allowedTools: ["echo"] });
    const sessionId = await openSession(gateway(), world.publicId, world.token);
    const request = {
      jsonrpc: "2.0",
      id: 200,
      method: "tools/call",
      params: { name: "echo", arguments: { message: "audited" } },
    };
    const response = await gateway().fetch(gateway().urlFor(world.publicId), {
      method: "POST",
      headers: postHeaders(world.token, { "mcp-session-id": sessionId, "user-agent": "audit-agent/2.0" }),
      body: JSON.stringify(request),
    });
    const delivered = (await messagesOf(response)).at(-1);
    expect(delivered).toMatchObject({
      id: 200,
      result: { content: [{ type: "text", text: "echo: audited" }] },
    });

    const rows = await db().auditEvent.findMany({
      where: { connectionId: world.connectionId, method: "tools/call" },
    });
    expect(rows).toHaveLength(1);
    const row = rows[0] as (typeof rows)[number];
    expect(row).toMatchObject({
      action: "mcp.request",
      outcome: "OK",
      reason: null,
      actorUserId: world.user.id,
      actorTokenId: world.tokenId,
      actorClient: "raw-test/1.0.0",
      serverId: world.server.id,
      connectionId: world.connectionId,
      sessionId,
      subject: "echo",
      requestBytes: Buffer.byteLength(JSON.stringify(request)),
      responseBytes: Buffer.byteLength(JSON.stringify(delivered)),
      clientIp: pathName === "fast path" ? "127.0.0.1" : ROUTE_CLIENT_IP,
      userAgent: "audit-agent/2.0",
      keyId: keyIdOf(appKeyring().current),
      metadata: { jsonRpcId: 200 },
    });
    expect(row.latencyMs).toBeGreaterThanOrEqual(0);
    // occurredAt is the request's arrival in UTC, the same millisecond as the UUIDv7 id's timestamp.
    expect(row.occurredAt.getTime()).toBe(Number.parseInt(row.id.replace(/-/g, "").slice(0, 12), 16));
    expect(row.occurredAt.getTime()).toBeGreaterThanOrEqual(startedAt - 1);
    expect(row.occurredAt.getTime()).toBeLessThanOrEqual(Date.now());
    if (pathName === "fast path") expect(row.requestId).toBe(response.headers.get("x-request-id"));
    else expect(row.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(bodiesOf(row)).toEqual({ request: JSON.stringify(request), response: JSON.stringify(delivered) });
    // One envelope per row, bound to it: under another row's id it does not open.
    expect(row.requestBody).toBeNull();
    expect(row.responseBody).toBeNull();
    expect(() => bodiesOf({ ...row, id: "00000000-0000-7000-8000-000000000000" })).toThrow();

    // The session's rows: initialize, notifications/initialized, the call (the connection's own
    // rows, such as connection.create, are not the session's). The token is in none of them.
    const all = await db().auditEvent.findMany({
      where: { connectionId: world.connectionId, action: { startsWith: "mcp." } },
      orderBy: { occurredAt: "asc" },
    });
    expect(all.map((entry) => [entry.action, entry.method])).toEqual([
      ["mcp.request", "initialize"],
      ["mcp.notification", "notifications/initialized"],
      ["mcp.request", "tools/call"],
    ]);
    for (const entry of all) {
      const { request: asked, response: answered } = bodiesOf(entry);
      const text = [asked, answered, JSON.stringify(entry.metadata)].join(" ");
      expect(text).not.toContain(world.token);
    }
  });

  it("records notifications from the upstream, and a server-initiated request as sent and, with the agent's answer, as one pair", async () => {
    const world = await connectedUser({ upstreamUrl: fixture.url });
    const client = new Client({ name: "pair-agent", version: "3.1.4" }, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      model: "m",
      role: "assistant",
      content: { type: "text", text: "forty-two" },
    }));
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gateway().urlFor(world.publicId)), {
        requestInit: { headers: { authorization: `Bearer ${world.token}` } },
        fetch: gateway().fetch,
      }),
    );
    await client.callTool({ name: "progress", arguments: { steps: 2 } }, undefined, {
      onprogress: () => undefined,
    });
    await client.callTool({ name: "sample", arguments: { prompt: "the answer?" } });
    await client.close();

    const rows = await db().auditEvent.findMany({ where: { connectionId: world.connectionId } });
    const progress = rows.filter((row) => row.method === "notifications/progress");
    expect(progress).toHaveLength(2);
    expect(progress[0]).toMatchObject({
      action: "mcp.notification",
      outcome: "OK",
      actorClient: "pair-agent/3.1.4",
      metadata: { direction: "upstream-to-agent", stream: "post" },
    });
    const logs = rows.filter((row) => row.method === "notifications/message");
    expect(logs).toHaveLength(2);

    // Two events: the request as it was sent to the agent (on record even if never answered), then
    // the request and the agent's answer as one pair.
    const sampling = rows.filter((row) => row.method === "sampling/createMessage");
    expect(sampling).toHaveLength(2);
    const sent = sampling.find((row) => row.reason !== null);
    expect(sent).toMatchObject({
      action: "mcp.request",
      outcome: "OK",
      reason: "answer pending: sent to the agent",
      metadata: { direction: "upstream-to-agent", answerPending: true },
    });
    expect(sent ? bodiesOf(sent).response : "no row").toBeNull();
    const pair = sampling.find((row) => row.reason === null);
    expect(pair).toMatchObject({
      action: "mcp.request",
      outcome: "OK",
      metadata: { direction: "upstream-to-agent" },
    });
    const opened = pair ? bodiesOf(pair) : { request: null, response: null };
    const asked = JSON.parse(opened.request ?? "{}");
    const answered = JSON.parse(opened.response ?? "{}");
    expect(asked).toMatchObject({
      method: "sampling/createMessage",
      params: { messages: [{ content: { text: "the answer?" } }] },
    });
    expect(answered).toMatchObject({ id: asked.id, result: { content: { text: "forty-two" } } });
  });

  it("audits denials: a scope that does not admit the connection, a tool outside the allow-list", async () => {
    const world = await connectedUser({ upstreamUrl: fixture.url, allowedTools: ["echo"], scopes: () => [] });
    const refused = await gateway().fetch(gateway().urlFor(world.publicId), {
      method: "POST",
      headers: postHeaders(world.token),
      body: JSON.stringify(INITIALIZE),
    });
    expect(refused.status).toBe(403);
    const row = await db().auditEvent.findFirstOrThrow({
      where: { actorUserId: world.user.id, outcome: "DENIED" },
    });
    expect(row).toMatchObject({
      action: "mcp.request",
      reason: "insufficient_scope",
      method: "initialize",
      actorTokenId: world.tokenId,
      connectionId: world.connectionId,
      metadata: { httpStatus: 403 },
    });
    expect(bodiesOf(row)).toEqual({ request: JSON.stringify(INITIALIZE), response: null });
  });

  it("keeps a large body up to the cap: a refused 1 MB call does not write 1 MB", async () => {
    const world = await connectedUser({ upstreamUrl: fixture.url, allowedTools: ["echo"] });
    const sessionId = await openSession(gateway(), world.publicId, world.token);
    const call = {
      jsonrpc: "2.0",
      id: 31,
      method: "tools/call",
      params: { name: "not-allowed", arguments: { text: "x".repeat(1024 * 1024) } },
    };
    const refused = await gateway().fetch(gateway().urlFor(world.publicId), {
      method: "POST",
      headers: postHeaders(world.token, { "mcp-session-id": sessionId }),
      body: JSON.stringify(call),
    });
    expect((await messagesOf(refused))[0]).toMatchObject({
      id: 31,
      error: { data: { reason: "tool_not_allowed" } },
    });
    const row = await db().auditEvent.findFirstOrThrow({
      where: { actorUserId: world.user.id, outcome: "DENIED", subject: "not-allowed" },
    });
    expect(row.requestBytes).toBe(JSON.stringify(call).length);
    expect(row.metadata).toMatchObject({ bodiesTruncatedToBytes: AUDIT_BODY_MAX_BYTES });
    expect(row.bodies?.length).toBeLessThan(AUDIT_BODY_MAX_BYTES + 1024);
    const { request } = bodiesOf(row);
    expect(request?.length).toBe(AUDIT_BODY_MAX_BYTES);
    expect(JSON.stringify(call).startsWith(request ?? "-")).toBe(true);
  });

  it("commits the row before the agent gets the answer (JSON and SSE answers)", async () => {
    for (const upstream of [jsonFixture, fixture]) {
      const world = await connectedUser({ upstreamUrl: upstream.url });
      const sessionId = await openSession(gateway(), world.publicId, world.token);
      store.delayMs = 300;
      let arrivedAt = 0;
      let rowAtArrival: unknown = null;
      try {
        const started = Date.now();
        const response = await gateway().fetch(gateway().urlFor(world.publicId), {
          method: "POST",
          headers: postHeaders(world.token, { "mcp-session-id": sessionId }),
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 300,
            method: "tools/call",
            params: { name: "add", arguments: { a: 1, b: 2 } },
          }),
        });
        const messages = await messagesOf(response);
        arrivedAt = Date.now();
        rowAtArrival = await db().auditEvent.findFirst({
          where: { connectionId: world.connectionId, method: "tools/call" },
        });
        expect(messages.at(-1)).toMatchObject({ id: 300, result: { content: [{ text: "3" }] } });
        expect(arrivedAt - started).toBeGreaterThanOrEqual(300);
      } finally {
        store.delayMs = 0;
      }
      expect(rowAtArrival).not.toBeNull();
      const committedAt = commits.get((rowAtArrival as { id: string }).id) as number;
      expect(committedAt).toBeLessThanOrEqual(arrivedAt);
    }
  });

  it("fails closed when the audit store is down: no answer without its record, then no upstream call at all", async () => {
    const world = await connectedUser({ upstreamUrl: fixture.url });
    const sessionId = await openSession(gateway(), world.publicId, world.token);
    const send = (id: number) =>
      gateway().fetch(gateway().urlFor(world.publicId), {
        method: "POST",
        headers: postHeaders(world.token, { "mcp-session-id": sessionId }),
        body: JSON.stringify({
          jsonrpc: "2.0",
          id,
          method: "tools/call",
          params: { name: "echo", arguments: { message: "lost" } },
        }),
      });
    // a fresh one per path: the previous one is still cooling down
    broken = new AuditWriter({ query: deadQuery, coolDownMs: 60_000 });
    store.isBroken = true;
    try {
      const callsBefore = fixture.toolCalls("echo");
      const first = await messagesOf(await send(401));
      expect(first.at(-1)).toEqual({
        jsonrpc: "2.0",
        id: 401,
        error: { code: -32050, message: expect.stringContaining("audit log cannot be written") },
      });
      expect(JSON.stringify(first)).not.toContain("echo: lost");
      expect(fixture.toolCalls("echo")).toBe(callsBefore + 1);

      const second = await send(402);
      expect(second.status).toBe(503);
      expect(await second.json()).toMatchObject({ id: 402, error: { code: -32050 } });
      expect(fixture.toolCalls("echo")).toBe(callsBefore + 1);
    } finally {
      store.isBroken = false;
    }
    const recovered = await messagesOf(await send(403));
    expect(recovered.at(-1)).toMatchObject({ id: 403, result: { content: [{ text: "echo: lost" }] } });
  });
});

describe("group commit", () => {
  it("concurrent calls share INSERTs, and every row is written", async () => {
    const gateway = gateways["fast path"] as GatewayPath;
    const world = await connectedUser({ upstreamUrl: jsonFixture.url });
    const sessionId = await openSession(gateway, world.publicId, world.token);
    inserts.length = 0;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        gateway
          .fetch(gateway.urlFor(world.publicId), {
            method: "POST",
            headers: postHeaders(world.token, { "mcp-session-id": sessionId }),
            body: JSON.stringify({ jsonrpc: "2.0", id: 500 + index, method: "ping" }),
          })
          .then((response) => response.json()),
      ),
    );
    expect(answers.map((answer) => answer.id).sort()).toEqual(
      Array.from({ length: 30 }, (_, index) => 500 + index),
    );
    const rows = await db().auditEvent.count({ where: { connectionId: world.connectionId, method: "ping" } });
    expect(rows).toBe(30);
    expect(inserts.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(30);
    expect(inserts.length).toBeLessThan(30);
  });

  it("an agent's lone-surrogate JSON-RPC id is answered and audited, and fails no one else's call", async () => {
    const gateway = gateways["fast path"] as GatewayPath;
    const world = await connectedUser({ upstreamUrl: jsonFixture.url });
    const sessionId = await openSession(gateway, world.publicId, world.token);
    const post = (body: string) =>
      gateway.fetch(gateway.urlFor(world.publicId), {
        method: "POST",
        headers: postHeaders(world.token, { "mcp-session-id": sessionId }),
        body,
      });
    // Sent together, so the odd row shares its INSERT with the others.
    const [odd, ...others] = await Promise.all([
      post('{"jsonrpc":"2.0","id":"\\ud800","method":"ping"}'),
      post(JSON.stringify({ jsonrpc: "2.0", id: 601, method: "ping" })),
      post(JSON.stringify({ jsonrpc: "2.0", id: 602, method: "ping" })),
    ]);
    expect(odd?.status).toBe(200);
    expect(await odd?.text()).toContain('"id":"\\ud800"');
    expect(others.map((response) => response.status)).toEqual([200, 200]);
    const rows = await db().auditEvent.findMany({
      where: { connectionId: world.connectionId, method: "ping" },
      orderBy: { occurredAt: "asc" },
    });
    expect(rows.map((row) => (row.metadata as { jsonRpcId: unknown }).jsonRpcId).sort()).toEqual([
      601,
      602,
      "\uFFFD",
    ]);
  });

  it("a row the database refuses fails only its own call, and starts no cool-down", async () => {
    const writer = new AuditWriter({
      query: (text, values) => livePool.query(text, values),
      coolDownMs: 60_000,
    });
    const good = (): AuditRow => ({
      id: uuidv7(),
      occurredAt: new Date(),
      action: "mcp.request",
      outcome: "OK",
    });
    // latencyMs beyond PostgreSQL's integer: SQLSTATE 22003, a value error of that row alone
    const bad: AuditRow = { ...good(), latencyMs: 2 ** 40 };
    const rows = [good(), bad, good()];
    const settled = await Promise.allSettled(rows.map((row) => writer.write(row)));
    expect(settled.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: "UNAVAILABLE" });
    expect(() => writer.assertAvailable()).not.toThrow();
    const stored = await db().auditEvent.findMany({ where: { id: { in: rows.map((row) => row.id) } } });
    expect(stored.map((row) => row.id).sort()).toEqual([rows[0]?.id, rows[2]?.id].sort());
  });

  it("writes every column as Prisma reads it back", async () => {
    const [first, second] = [uuidv7(), uuidv7()];
    const body = new Uint8Array([0, 1, 2, 250, 255]);
    const rows: AuditRow[] = [
      {
        id: first,
        occurredAt: new Date("2026-03-29T01:30:00.123Z"),
        action: "mcp.request",
        outcome: "UPSTREAM_ERROR",
        actorUserId: null,
        actorTokenId: uuidv7(),
        actorClient: "agent/1 'quoted' \"too\"",
        targetType: "connection",
        targetId: "t-1",
        serverId: uuidv7(),
        connectionId: uuidv7(),
        sessionId: "s-1",
        method: "tools/call",
        subject: "émoji ✓ \u0000 \ud800",
        reason: "upstream said no",
        latencyMs: 42,
        requestBytes: 5,
        responseBytes: 0,
        clientIp: "::1",
        userAgent: "ua",
        requestId: "r-1",
        metadata: { nested: { list: [1, "two", null, "lone \udc00"] }, "k\u0000": "a\u0000b" },
        bodies: body,
        keyId: "k-1",
      },
      {
        id: second,
        occurredAt: new Date("2026-10-25T00:59:59.999Z"),
        action: "mcp.notification",
        outcome: "OK",
      },
    ];
    // A session far from UTC: the timestamps must not depend on the connection's TimeZone.
    const farPool = new Pool({
      connectionString: env().DATABASE_URL,
      max: 1,
      options: "-c TimeZone=Pacific/Kiritimati",
    });
    const statements: number[] = [];
    const writer = new AuditWriter({
      query: (text, values) => {
        statements.push(values.length / AUDIT_COLUMN_COUNT);
        return farPool.query(text, values);
      },
    });
    try {
      await Promise.all(rows.map((row) => writer.write(row)));
    } finally {
      await farPool.end();
    }
    expect(statements).toEqual([2]);
    const stored = await db().auditEvent.findMany({ where: { id: { in: [first, second] } } });
    expect(stored).toHaveLength(2);
    const byId = new Map(stored.map((row) => [row.id, row]));
    expect([byId.get(first), byId.get(second)]).toEqual([
      {
        ...rows[0],
        // PostgreSQL text cannot hold U+0000, nor jsonb a lone surrogate: each is stored as U+FFFD
        // rather than failing the batch
        subject: "émoji ✓ \uFFFD \uFFFD",
        metadata: { nested: { list: [1, "two", null, "lone \uFFFD"] }, "k\uFFFD": "a\uFFFDb" },
        bodies: new Uint8Array(body),
        requestBody: null,
        responseBody: null,
      },
      {
        ...rows[1],
        actorUserId: null,
        actorTokenId: null,
        actorClient: null,
        targetType: null,
        targetId: null,
        serverId: null,
        connectionId: null,
        sessionId: null,
        method: null,
        subject: null,
        reason: null,
        latencyMs: null,
        requestBytes: null,
        responseBytes: null,
        clientIp: null,
        userAgent: null,
        requestId: null,
        metadata: null,
        bodies: null,
        requestBody: null,
        responseBody: null,
        keyId: null,
      },
    ]);
  });
});
