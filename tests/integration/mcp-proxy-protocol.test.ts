import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "@/prisma/seed/factories";
import { db } from "@/server/db";
import { env } from "@/server/env";
import { bumpGlobalAccessEpoch } from "@/server/services/access/access-epochs";
import { revokeApiToken } from "@/server/services/tokens/revoke-api-token";
import { deactivateUser } from "@/server/services/users/deactivate-user";
import { startCluster } from "../fixtures/gateway-cluster";
import {
  connectedUser,
  type GatewayPath,
  INITIALIZE,
  messagesOf,
  openSession,
  postHeaders,
  routeHandlerPath,
  sseMessages,
  startFastPath,
  useHandler,
} from "../fixtures/mcp-gateway";
import { type McpFixture, startMcpFixture } from "../fixtures/mcp-upstream";
import { field } from "./connections-fixtures";

/**
 * The streamable HTTP endpoint toward agents, item by item (PROTOCOL T1–T18, A1–A9, X7), with the
 * bad inputs named there, over raw HTTP on both paths to the handler. What the upstream received
 * is read from the fixture's request log.
 */
let fixture: McpFixture;
let resumable: McpFixture;
let noGet: McpFixture;
const gateways: Record<string, GatewayPath> = {};

beforeAll(async () => {
  // Streams re-check their credential often here, so grant removal closes them within the test.
  useHandler({ revalidateIntervalMs: 300 });
  [fixture, resumable, noGet] = await Promise.all([
    startMcpFixture(),
    startMcpFixture({ resumable: true }),
    startMcpFixture({ refuseGet: true }),
  ]);
  gateways["fast path"] = await startFastPath();
  gateways["route handler"] = await routeHandlerPath();
  gateways["two instances"] = await startCluster({ revalidateIntervalMs: 300 });
});

afterAll(async () => {
  for (const gateway of Object.values(gateways)) await gateway.close();
  await Promise.all([fixture?.stop(), resumable?.stop(), noGet?.stop()]);
});

const PUBLIC_ORIGIN = new URL(env().GATEHOUSE_PUBLIC_URL).origin;

type World = Awaited<ReturnType<typeof connectedUser>>;

function call(id: number | string, name: string, args: Record<string, unknown> = {}) {
  return { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } };
}

/** Reads an SSE response until `done` says so (or it ends); returns the raw text read. */
/** The audit row of the call with JSON-RPC id `id` on the connection, once it is written. */
async function auditedCall(connectionId: string, id: number) {
  const find = () =>
    db().auditEvent.findFirst({ where: { connectionId, metadata: { path: ["jsonRpcId"], equals: id } } });
  const deadline = Date.now() + 10_000;
  let row = await find();
  while (row === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    row = await find();
  }
  if (row === null) throw new Error(`no audit row for call ${id}`);
  return row;
}

async function readSse(
  response: Response,
  done: (text: string) => boolean,
  timeoutMs = 5_000,
): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      text += decoder.decode(value, { stream: true });
      if (done(text)) break;
    }
  } finally {
    clearTimeout(timer);
    void reader.cancel().catch(() => undefined);
  }
  return text;
}

describe.each(["fast path", "route handler", "two instances"])("the MCP endpoint on the %s", (pathName) => {
  const gateway = () => gateways[pathName] as GatewayPath;
  let world: World;

  const post = (
    body: unknown,
    headers: Record<string, string> = {},
    token = world.token,
    publicId = world.publicId,
  ) =>
    gateway().fetch(gateway().urlFor(publicId), {
      method: "POST",
      headers: postHeaders(token, headers),
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    world = await connectedUser({
      upstreamUrl: fixture.url,
      allowedTools: ["echo", "add", "progress", "slow"],
    });
  });

  describe("sessions (T1–T5, T11)", () => {
    it("T1: initialize answers an InitializeResult and a session id of visible ASCII with ≥128 random bits", async () => {
      const response = await post(INITIALIZE);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      const sessionId = response.headers.get("mcp-session-id") ?? "";
      expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url (visible ASCII)
      const body = await response.json();
      expect(body).toMatchObject({
        jsonrpc: "2.0",
        id: 0,
        result: { protocolVersion: "2025-11-25", serverInfo: { name: "gatehouse-fixture" } },
      });
    });

    it("T1: negotiates each supported revision, and the latest for one it does not support", async () => {
      for (const [asked, answered] of [
        ["2025-03-26", "2025-03-26"],
        ["2025-06-18", "2025-06-18"],
        ["2025-11-25", "2025-11-25"],
        ["2024-11-05", "2025-11-25"],
      ]) {
        const response = await post({
          ...INITIALIZE,
          params: { ...INITIALIZE.params, protocolVersion: asked },
        });
        expect((await response.json()).result.protocolVersion).toBe(answered);
      }
    });

    it("T2: a notification or a JSON-RPC response with a valid session → 202 and an empty body", async () => {
      const sessionId = await openSession(gateway(), world.publicId, world.token);
      const headers = { "mcp-session-id": sessionId };
      const notification = await post(
        { jsonrpc: "2.0", method: "notifications/roots/list_changed" },
        headers,
      );
      expect(notification.status).toBe(202);
      expect(await notification.text()).toBe("");
      const response = await post({ jsonrpc: "2.0", id: "no-such-request", result: {} }, headers);
      expect(response.status).toBe(202);
      expect(await response.text()).toBe("");
    });

    it("T3: a request without a session id → 400", async () => {
      const response = await post({ jsonrpc: "2.0", id: 1, method: "tools/list" });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ id: 1, error: { code: -32600 } });
    });

    it("T4: an unknown session id → 404", async () => {
      const response = await post(
        { jsonrpc: "2.0", id: 1, method: "tools/list" },
        { "mcp-session-id": "x".repeat(43) },
      );
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ id: 1, error: { code: -32004 } });
    });

    it("T5: DELETE ends the session here and upstream; the id is 404 afterwards", async () => {
      const sessionId = await openSession(gateway(), world.publicId, world.token);
      const upstreamSession = fixture.received.at(-1)?.headers["mcp-session-id"];
      const deleted = await gateway().fetch(gateway().urlFor(world.publicId), {
        method: "DELETE",
        headers: { authorization: `Bearer ${world.token}`, "mcp-session-id": sessionId },
      });
      expect(deleted.status).toBe(204);
      expect(fixture.deletedSessions).toContain(upstreamSession);
      const after = await post(
        { jsonrpc: "2.0", id: 2, method: "tools/list" },
        { "mcp-session-id": sessionId },
      );
      expect(after.status).toBe(404);
      const again = await gateway().fetch(gateway().urlFor(world.publicId), {
        method: "DELETE",
        headers: { authorization: `Bearer ${world.token}`, "mcp-session-id": sessionId },
      });
      expect(again.status).toBe(404);
    });

    it("T11: a second initialize on a live session → 400 -32600", async () => {
      const sessionId = await openSession(gateway(), world.publicId, world.token);
      const response = await post(INITIALIZE, { "mcp-session-id": sessionId });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ id: 0, error: { code: -32600 } });
    });
  });

  describe("headers and bodies (T6–T10, T17, T18)", () => {
    let sessionId: string;
    beforeAll(async () => {
      sessionId = await openSession(gateway(), world.publicId, world.token);
    });

    it("T6: an unsupported MCP-Protocol-Version → 400; another supported one or none is served", async () => {
      const list = { jsonrpc: "2.0", id: 3, method: "tools/list" };
      expect(
        (await post(list, { "mcp-session-id": sessionId, "mcp-protocol-version": "2099-01-01" })).status,
      ).toBe(400);
      expect(
        (await post(list, { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-03-26" })).status,
      ).toBe(200);
      const absent = await post(list, { "mcp-session-id": sessionId });
      expect(absent.status).toBe(200);
      expect((await messagesOf(absent))[0]).toMatchObject({ id: 3, result: { tools: expect.any(Array) } });
    });

    it("T6: the upstream gets the version negotiated with the upstream, not the agent's", async () => {
      // The fixture is made to settle on 2025-03-26 while the agent negotiated 2025-11-25.
      fixture.intercept = (_request, _response, body) => {
        const message = body as { method?: string; params?: { protocolVersion?: string } };
        if (message?.method === "initialize" && message.params) message.params.protocolVersion = "2025-03-26";
        return false;
      };
      let own: string;
      try {
        own = await openSession(gateway(), world.publicId, world.token);
      } finally {
        fixture.intercept = null;
      }
      const response = await post(call(4, "echo", { message: "v" }), {
        "mcp-session-id": own,
        "mcp-protocol-version": "2025-11-25",
      });
      expect((await messagesOf(response)).at(-1)).toMatchObject({
        id: 4,
        result: { content: [{ text: "echo: v" }] },
      });
      const forwarded = fixture.received.findLast((entry) => (entry.body as { id?: number })?.id === 4);
      expect(forwarded?.headers["mcp-protocol-version"]).toBe("2025-03-26");
    });

    it("T7: Accept without text/event-stream → 406; a wrong Content-Type → 415; GET without text/event-stream → 406", async () => {
      const list = { jsonrpc: "2.0", id: 5, method: "tools/list" };
      expect((await post(list, { "mcp-session-id": sessionId, accept: "application/json" })).status).toBe(
        406,
      );
      expect((await post(list, { "mcp-session-id": sessionId, accept: "*/*" })).status).toBe(406);
      expect((await post(list, { "mcp-session-id": sessionId, "content-type": "text/plain" })).status).toBe(
        415,
      );
      expect(
        (
          await post(list, {
            "mcp-session-id": sessionId,
            "content-type": "application/json; charset=latin1",
          })
        ).status,
      ).toBe(415);
      const get = await gateway().fetch(gateway().urlFor(world.publicId), {
        headers: {
          authorization: `Bearer ${world.token}`,
          "mcp-session-id": sessionId,
          accept: "application/json",
        },
      });
      expect(get.status).toBe(406);
    });

    it("T8: a batch on 2025-06-18 or later → 400 -32600", async () => {
      for (const version of ["2025-11-25", "2025-06-18"]) {
        const own = await openSession(gateway(), world.publicId, world.token, version);
        const response = await post(
          [
            { jsonrpc: "2.0", id: 1, method: "ping" },
            { jsonrpc: "2.0", id: 2, method: "ping" },
          ],
          {
            "mcp-session-id": own,
          },
        );
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ id: null, error: { code: -32600 } });
      }
    });

    it("T16 in a batch: a later member cancelled while an earlier one still streams ends as CANCELLED", async () => {
      const own = await openSession(gateway(), world.publicId, world.token, "2025-03-26");
      const headers = { "mcp-session-id": own, "mcp-protocol-version": "2025-03-26" };
      const pending = post([call(211, "slow", { ms: 800 }), call(212, "slow", { ms: 4000 })], headers);
      // Both members are relayed before the batch's stream is written (the first one's answer first).
      const started = Date.now();
      while (
        !fixture.received.some((entry) => (entry.body as { id?: number })?.id === 212) &&
        Date.now() - started < 5_000
      )
        await new Promise((resolve) => setTimeout(resolve, 10));
      const cancelled = await post(
        {
          jsonrpc: "2.0",
          method: "notifications/cancelled",
          params: { requestId: 212, reason: "no longer needed" },
        },
        headers,
      );
      expect(cancelled.status).toBe(202);
      const answers = await messagesOf(await pending);
      expect(answers.find((message) => message.id === 211)).toMatchObject({ result: {} });
      // No result for 212: its stream ends unanswered, or, when the cancellation came before the
      // upstream's answer began, it gets the cancellation error.
      const second = answers.find((message) => message.id === 212);
      if (second !== undefined)
        expect(second).toMatchObject({ error: { message: "The request was cancelled." } });
      expect(Date.now() - started).toBeLessThan(4_000);
      const row = await db().auditEvent.findFirst({
        where: {
          connectionId: world.connectionId,
          sessionId: own,
          method: "tools/call",
          outcome: "CANCELLED",
        },
      });
      expect(row?.metadata).toMatchObject({ jsonRpcId: 212 });
    });

    it("T8: on 2025-03-26 a batch is relayed message by message: one stream of answers, each audited", async () => {
      const own = await openSession(gateway(), world.publicId, world.token, "2025-03-26");
      const headers = { "mcp-session-id": own, "mcp-protocol-version": "2025-03-26" };
      const response = await post(
        [
          call(201, "echo", { message: "first" }),
          { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 999, reason: "test" } },
          call(202, "add", { a: 2, b: 3 }),
          call(203, "secret"),
        ],
        headers,
      );
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const answers = new Map((await messagesOf(response)).map((message) => [message.id, message]));
      expect(answers.get(201)).toMatchObject({ result: { content: [{ text: "echo: first" }] } });
      expect(answers.get(202)).toMatchObject({ result: { content: [{ text: "5" }] } });
      // The denied member gets its own error; the upstream never sees it.
      expect(answers.get(203)).toMatchObject({
        error: { code: -32003, data: { reason: "tool_not_allowed" } },
      });
      expect(fixture.received.some((entry) => (entry.body as { id?: number })?.id === 203)).toBe(false);
      const audited = await db().auditEvent.findMany({
        where: {
          connectionId: world.connectionId,
          sessionId: own,
          method: { in: ["tools/call", "notifications/cancelled"] },
        },
        select: { method: true, subject: true, outcome: true },
      });
      expect(audited.map((row) => `${row.method}:${row.subject ?? ""}:${row.outcome}`).sort()).toEqual([
        "notifications/cancelled::OK",
        "tools/call:add:OK",
        "tools/call:echo:OK",
        "tools/call:secret:DENIED",
      ]);

      // Only notifications (and responses) → 202.
      const quiet = await post(
        [
          { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 998 } },
          { jsonrpc: "2.0", method: "notifications/roots/list_changed" },
        ],
        headers,
      );
      expect(quiet.status).toBe(202);
      expect(await quiet.text()).toBe("");

      // A refused notification does not stop the ones after it: each is relayed and audited.
      fixture.intercept = (_request, response, body) => {
        if ((body as { method?: string })?.method !== "notifications/roots/list_changed") return false;
        response.writeHead(400, { "content-type": "application/json" }).end('{"error":"no roots here"}');
        return true;
      };
      try {
        const beforeMixed = fixture.received.length;
        const mixed = await post(
          [
            { jsonrpc: "2.0", method: "notifications/roots/list_changed" },
            { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 997 } },
          ],
          headers,
        );
        expect(mixed.status).not.toBe(202);
        await mixed.text();
        const relayed = fixture.received
          .slice(beforeMixed)
          .map((entry) => (entry.body as { method?: string })?.method);
        expect(relayed).toEqual(["notifications/roots/list_changed", "notifications/cancelled"]);
      } finally {
        fixture.intercept = null;
      }

      // Malformed batches are refused whole, before anything is relayed.
      const before = fixture.received.length;
      for (const bad of [
        [],
        [{ ...INITIALIZE, id: 204 }],
        [call(205, "echo", { message: "never" }), { foo: 1 }],
        [call(206, "echo", { message: "never" }), call(206, "add", { a: 1, b: 1 })],
      ]) {
        const refused = await post(bad, headers);
        expect(refused.status).toBe(400);
        expect(await refused.json()).toMatchObject({ id: null, error: { code: -32600 } });
      }
      expect(fixture.received.length).toBe(before);
    });

    it("T9: malformed JSON → 400 with a -32700 body and id null, never HTML, a stack or a path", async () => {
      for (const body of ['{"jsonrpc":"2.0","id":1,"method":', "\u00ff\u00fe", "", "nul"]) {
        const response = await post(body, { "mcp-session-id": sessionId });
        expect(response.status).toBe(400);
        expect(response.headers.get("content-type")).toBe("application/json");
        const text = await response.text();
        expect(JSON.parse(text)).toEqual({
          jsonrpc: "2.0",
          id: null,
          error: { code: -32700, message: expect.any(String) },
        });
        expect(text).not.toMatch(/<html|\bat .*\.(ts|js)|\/work\//i);
      }
    });

    it("T10: invalid JSON-RPC shapes → 400", async () => {
      const bad = [
        { foo: 1 },
        { jsonrpc: "2.0", id: null, method: "tools/list" },
        { jsonrpc: "2.0", id: 1, result: {}, error: { code: 1, message: "x" } },
        { jsonrpc: "1.0", id: 1, method: "ping" },
        { jsonrpc: "2.0", id: 1, method: "tools/call", params: ["echo"] },
        { jsonrpc: "2.0", id: { nested: true }, method: "ping" },
        { jsonrpc: "2.0", id: 1.5, method: "ping" },
        { jsonrpc: "2.0", id: 1, method: "ping", extra: true },
        { jsonrpc: "2.0", id: 1 },
        "42",
      ];
      for (const body of bad) {
        const response = await post(body, { "mcp-session-id": sessionId });
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect((await response.json()).error.code).toBe(-32600);
      }
    });

    it("X7: nesting deeper than the limit → 400 before parsing", async () => {
      const deep = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":${"[".repeat(5000)}${"]".repeat(5000)}}}`;
      const response = await post(deep, { "mcp-session-id": sessionId });
      expect(response.status).toBe(400);
      expect((await response.json()).error.message).toMatch(/nested deeper/);
    });

    it("X7: duplicate keys cannot make the policy and the upstream see different tools", async () => {
      const before = fixture.toolCalls("secret");
      // The last "name" wins in JSON.parse: policy sees "echo", and so does the upstream.
      const allowed = await post(
        '{"jsonrpc":"2.0","id":61,"method":"tools/call","params":{"name":"secret","name":"echo","arguments":{"message":"dup"}}}',
        {
          "mcp-session-id": sessionId,
        },
      );
      expect((await messagesOf(allowed)).at(-1)).toMatchObject({
        id: 61,
        result: { content: [{ text: "echo: dup" }] },
      });
      const forwarded = fixture.received.findLast((entry) => (entry.body as { id?: number })?.id === 61);
      expect(forwarded?.body).toEqual({
        jsonrpc: "2.0",
        id: 61,
        method: "tools/call",
        params: { name: "echo", arguments: { message: "dup" } },
      });
      const denied = await post(
        '{"jsonrpc":"2.0","id":62,"method":"tools/call","params":{"name":"echo","name":"secret"}}',
        {
          "mcp-session-id": sessionId,
        },
      );
      expect(await denied.json()).toMatchObject({ id: 62, error: { code: -32003 } });
      expect(fixture.toolCalls("secret")).toBe(before);
    });

    it("X7: prototype-pollution keys stay inert data", async () => {
      const top = await post('{"jsonrpc":"2.0","id":63,"method":"ping","__proto__":{"polluted":true}}', {
        "mcp-session-id": sessionId,
      });
      expect(top.status).toBe(400);
      const inner = await post(
        '{"jsonrpc":"2.0","id":64,"method":"tools/call","params":{"name":"echo","arguments":{"message":"p","__proto__":{"polluted":true}},"constructor":{"prototype":{"polluted":true}}}}',
        {
          "mcp-session-id": sessionId,
        },
      );
      expect((await messagesOf(inner)).at(-1)).toMatchObject({
        id: 64,
        result: { content: [{ text: "echo: p" }] },
      });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty("polluted");
    });

    it("T17: a body over the limit → 413 before parsing", async () => {
      const big = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${"x".repeat(4 * 1024 * 1024)}"}}`;
      const response = await post(big, { "mcp-session-id": sessionId });
      expect(response.status).toBe(413);
      expect((await response.json()).error.code).toBe(-32600);
    });

    it("T18: an unknown method → -32601 from the gateway, never relayed; PUT and PATCH → 405 with Allow", async () => {
      const before = fixture.received.length;
      const response = await post(
        { jsonrpc: "2.0", id: 7, method: "admin/shutdown" },
        { "mcp-session-id": sessionId },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: 7, error: { code: -32601 } });
      expect(fixture.received.length).toBe(before);
      for (const method of ["PUT", "PATCH"]) {
        const refused = await gateway().fetch(gateway().urlFor(world.publicId), {
          method,
          headers: postHeaders(world.token),
          body: "{}",
        });
        expect(refused.status).toBe(405);
        expect(refused.headers.get("allow")).toBe("GET, POST, DELETE, OPTIONS");
      }
      const options = await gateway().fetch(gateway().urlFor(world.publicId), { method: "OPTIONS" });
      expect(options.status).toBe(204);
      expect(options.headers.get("allow")).toBe("GET, POST, DELETE, OPTIONS");
    });
  });

  describe("streams (T12–T16, T19)", () => {
    it("T12: GET with a session opens the upstream's stream; 405 with Allow when the upstream offers none", async () => {
      const sessionId = await openSession(gateway(), world.publicId, world.token);
      const controller = new AbortController();
      const stream = await gateway().fetch(gateway().urlFor(world.publicId), {
        headers: {
          authorization: `Bearer ${world.token}`,
          accept: "text/event-stream",
          "mcp-session-id": sessionId,
        },
        signal: controller.signal,
      });
      expect(stream.status).toBe(200);
      expect(stream.headers.get("content-type")).toBe("text/event-stream");
      // The SDK-built upstream allows one standalone stream per session: its refusal of a second
      // one (409) reaches the agent as such, not as a gateway failure (502).
      const second = await gateway().fetch(gateway().urlFor(world.publicId), {
        headers: {
          authorization: `Bearer ${world.token}`,
          accept: "text/event-stream",
          "mcp-session-id": sessionId,
        },
      });
      expect(second.status).toBe(409);
      expect(await second.json()).toMatchObject({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32600, message: expect.stringContaining("refused the stream request (HTTP 409)") },
      });
      controller.abort();

      const other = await connectedUser({ upstreamUrl: noGet.url });
      const otherSession = await openSession(gateway(), other.publicId, other.token);
      const refused = await gateway().fetch(gateway().urlFor(other.publicId), {
        headers: {
          authorization: `Bearer ${other.token}`,
          accept: "text/event-stream",
          "mcp-session-id": otherSession,
        },
      });
      expect(refused.status).toBe(405);
      expect(refused.headers.get("allow")).toBe("POST, DELETE, OPTIONS");
    });

    it("T13: events carry ids; a stream closed early is resumed with Last-Event-ID on that session only", async () => {
      const own = await connectedUser({ upstreamUrl: resumable.url });
      const sessionId = await openSession(gateway(), own.publicId, own.token);
      const response = await gateway().fetch(gateway().urlFor(own.publicId), {
        method: "POST",
        headers: postHeaders(own.token, { "mcp-session-id": sessionId }),
        body: JSON.stringify(call(70, "poll")),
      });
      expect(response.headers.get("content-type")).toBe("text/event-stream");
      const first = await response.text();
      // The upstream primed the stream (id, empty data) and closed it; the gateway relays the id and
      // says when to come back before it closes too.
      const ids = [...first.matchAll(/^id: (.+)$/gm)].map((match) => match[1] as string);
      expect(ids.length).toBeGreaterThan(0);
      expect(first).toMatch(/^retry: \d+$/m);
      expect(sseMessages(first)).toEqual([]);
      // The call ran upstream: it is on record before the agent resumes (or if it never does).
      const pending = await db().auditEvent.findFirst({
        where: { connectionId: own.connectionId, method: "tools/call", subject: "poll" },
      });
      expect(pending).toMatchObject({ outcome: "OK", reason: expect.stringContaining("answer pending") });
      expect(pending?.metadata).toMatchObject({ jsonRpcId: 70, answerPending: true });

      // Another session's Last-Event-ID is refused.
      const otherSession = await openSession(gateway(), own.publicId, own.token);
      const foreign = await gateway().fetch(gateway().urlFor(own.publicId), {
        headers: {
          authorization: `Bearer ${own.token}`,
          accept: "text/event-stream",
          "mcp-session-id": otherSession,
          "last-event-id": ids.at(-1) as string,
        },
      });
      expect(foreign.status).toBe(400);

      const resumed = await gateway().fetch(gateway().urlFor(own.publicId), {
        headers: {
          authorization: `Bearer ${own.token}`,
          accept: "text/event-stream",
          "mcp-session-id": sessionId,
          "last-event-id": ids.at(-1) as string,
        },
      });
      expect(resumed.status).toBe(200);
      const text = await readSse(resumed, (read) => read.includes('"id":70'));
      expect(sseMessages(text).find((message) => message.id === 70)).toMatchObject({
        result: { content: [{ type: "text", text: "answered after the stream closed" }] },
      });
      expect(text).toMatch(/^id: u/m);
      const row = await db().auditEvent.findFirst({
        where: { connectionId: own.connectionId, method: "tools/call", subject: "poll", reason: null },
      });
      expect(row).toMatchObject({ outcome: "OK" });
      expect(row?.metadata).toMatchObject({ jsonRpcId: 70, resumed: true });
    });

    it("T13: an upstream event without an id keeps the agent's resume point; the upstream's retry is passed on", async () => {
      const sessionId = await openSession(gateway(), world.publicId, world.token);
      const resumedWith: (string | undefined)[] = [];
      fixture.intercept = (request, response, body) => {
        if (request.method === "POST" && (body as { id?: unknown })?.id === 77) {
          response.writeHead(200, { "content-type": "text/event-stream" });
          response.write("id: stream7-1\nretry: 500\ndata: \n\n");
          const log = {
            jsonrpc: "2.0",
            method: "notifications/message",
            params: { level: "info", data: "working" },
          };
          response.end(`data: ${JSON.stringify(log)}\n\n`);
          return true;
        }
        if (request.method === "GET") {
          const header = request.headers["last-event-id"];
          resumedWith.push(typeof header === "string" ? header : undefined);
          response.writeHead(200, { "content-type": "text/event-stream" });
          response.end();
          return true;
        }
        return false;
      };
      try {
        const answer = await post(call(77, "slow", { ms: 1 }), { "mcp-session-id": sessionId });
        const text = await answer.text();
        const ids = [...text.matchAll(/^id: (.+)$/gm)].map((match) => match[1] as string);
        // One id, the upstream's: the notification after it carries none, so it cannot move the
        // agent's resume point away from the event the upstream can replay from.
        expect(ids).toHaveLength(1);
        expect(ids[0]).toMatch(/^u/);
        expect(sseMessages(text).map((message) => message.method)).toEqual(["notifications/message"]);
        expect(text).not.toMatch(/^retry: 1000$/m);
        expect(text.trimEnd().endsWith("retry: 500")).toBe(true);

        const resumed = await gateway().fetch(gateway().urlFor(world.publicId), {
          headers: {
            authorization: `Bearer ${world.token}`,
            accept: "text/event-stream",
            "mcp-session-id": sessionId,
            "last-event-id": ids[0] as string,
          },
        });
        expect(resumed.status).toBe(200);
        await resumed.text();
        expect(resumedWith).toEqual(["stream7-1"]);
      } finally {
        fixture.intercept = null;
      }
    });

    it("an upstream error without an id answers the request it can only belong to (JSON and SSE)", async () => {
      const sessionId = await openSession(gateway(), world.publicId, world.token);
      const idless = {
        jsonrpc: "2.0",
        id: null,
        error: { code: -32602, message: "the upstream could not read it" },
      };
      fixture.intercept = (request, response, body) => {
        const id = (body as { id?: unknown })?.id;
        if (request.method !== "POST" || (id !== 61 && id !== 62)) return false;
        if (id === 61) {
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify(idless));
        } else {
          response.writeHead(200, { "content-type": "text/event-stream" });
          response.end(`data: ${JSON.stringify({ jsonrpc: "2.0", error: idless.error })}\n\n`);
        }
        return true;
      };
      try {
        for (const id of [61, 62]) {
          const answer = await post(call(id, "echo", { message: "?" }), { "mcp-session-id": sessionId });
          expect(answer.status).toBe(200);
          expect(await messagesOf(answer)).toEqual([{ jsonrpc: "2.0", id, error: idless.error }]);
        }
      } finally {
        fixture.intercept = null;
      }
      const rows = await db().auditEvent.findMany({
        where: {
          connectionId: world.connectionId,
          sessionId,
          method: "tools/call",
          outcome: "UPSTREAM_ERROR",
        },
      });
      expect(rows.map((row) => (row.metadata as { jsonRpcId?: number }).jsonRpcId).sort()).toEqual([61, 62]);
    });

    it("T13: a stream that starts without ids and closes early with them ends with an error, not a resume point that leads nowhere", async () => {
      const sessionId = await openSession(gateway(), world.publicId, world.token);
      fixture.intercept = (request, response, body) => {
        if (request.method !== "POST" || (body as { id?: unknown })?.id !== 78) return false;
        const log = (data: string) => ({
          jsonrpc: "2.0",
          method: "notifications/message",
          params: { level: "info", data },
        });
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.write(`data: ${JSON.stringify(log("first"))}\n\n`);
        response.end(`id: late-1\ndata: ${JSON.stringify(log("second"))}\n\n`);
        return true;
      };
      try {
        const answer = await post(call(78, "slow", { ms: 1 }), { "mcp-session-id": sessionId });
        const messages = sseMessages(await answer.text());
        expect(messages.map((message) => message.method ?? message.id)).toEqual([
          "notifications/message",
          "notifications/message",
          78,
        ]);
        expect(messages[2]).toMatchObject({
          error: { message: "The upstream closed the stream without answering." },
        });
      } finally {
        fixture.intercept = null;
      }
    });

    it("T14: two concurrent calls: each stream carries exactly its own messages", async () => {
      const sessionId = await openSession(gateway(), world.publicId, world.token);
      const send = (id: number, token: string) =>
        post(
          {
            ...call(id, "progress", { steps: 3 }),
            params: { name: "progress", arguments: { steps: 3 }, _meta: { progressToken: token } },
          },
          {
            "mcp-session-id": sessionId,
          },
        );
      const [a, b] = await Promise.all([send(81, "tok-a"), send(82, "tok-b")]);
      for (const [response, id, token] of [
        [a, 81, "tok-a"],
        [b, 82, "tok-b"],
      ] as const) {
        const messages = await messagesOf(response);
        const progress = messages.filter((message) => message.method === "notifications/progress");
        expect(
          progress.map((message) => (message.params as { progressToken: string }).progressToken),
        ).toEqual([token, token, token]);
        expect(messages.filter((message) => "id" in message).map((message) => message.id)).toEqual([id]);
      }
    });

    it("T16: a client that drops its connection does not cancel the upstream call, which is still audited", async () => {
      const sessionId = await openSession(gateway(), world.publicId, world.token);
      // Only this call's arrival counts (the other paths' runs of this test used the same id).
      const before = fixture.received.length;
      const controller = new AbortController();
      const dropped = gateway()
        .fetch(gateway().urlFor(world.publicId), {
          method: "POST",
          headers: postHeaders(world.token, { "mcp-session-id": sessionId }),
          body: JSON.stringify(call(92, "slow", { ms: 400 })),
          signal: controller.signal,
        })
        .then((answer) => answer.body?.getReader().read())
        .catch(() => null);
      // Drop the connection once the call is running upstream.
      const started = Date.now();
      while (
        !fixture.received.slice(before).some((entry) => (entry.body as { id?: number })?.id === 92) &&
        Date.now() - started < 10_000
      )
        await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort();
      await dropped;
      // The relay reads the answer to the end without its client, then audits it.
      const row = await auditedCall(world.connectionId, 92);
      expect(row).toMatchObject({ outcome: "OK", subject: "slow" });
      const sawCancel = fixture.received.slice(before).some((entry) => {
        const body = entry.body as { method?: string; params?: { requestId?: unknown } };
        return body?.method === "notifications/cancelled" && body.params?.requestId === 92;
      });
      expect(sawCancel).toBe(false);
    });

    it("T16: a client that drops before the upstream's answer has begun: the answer is still read and audited", async () => {
      const sessionId = await openSession(gateway(), world.publicId, world.token);
      let upstreamClosed = false;
      // The upstream holds its headers 400 ms, then answers the call with an SSE stream.
      fixture.intercept = (_request, response, body) => {
        const message = body as { id?: unknown };
        if (message?.id !== 94) return false;
        response.once("close", () => {
          upstreamClosed = true;
        });
        setTimeout(() => {
          response.writeHead(200, { "content-type": "text/event-stream" });
          const result = { jsonrpc: "2.0", id: 94, result: { content: [{ type: "text", text: "late" }] } };
          response.end(`event: message\ndata: ${JSON.stringify(result)}\n\n`);
        }, 400);
        return true;
      };
      try {
        const controller = new AbortController();
        const dropped = gateway()
          .fetch(gateway().urlFor(world.publicId), {
            method: "POST",
            headers: postHeaders(world.token, { "mcp-session-id": sessionId }),
            body: JSON.stringify(call(94, "echo", { message: "late" })),
            signal: controller.signal,
          })
          .catch(() => null);
        await new Promise((resolve) => setTimeout(resolve, 100));
        controller.abort();
        await dropped;
        expect((await auditedCall(world.connectionId, 94)).outcome).toBe("OK");
        expect(upstreamClosed).toBe(true);
      } finally {
        fixture.intercept = null;
      }
    });

    it("T16: notifications/cancelled from the agent is forwarded with the same request id", async () => {
      const sessionId = await openSession(gateway(), world.publicId, world.token);
      const response = await post(
        { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 93, reason: "user" } },
        {
          "mcp-session-id": sessionId,
        },
      );
      expect(response.status).toBe(202);
      expect(fixture.received.at(-1)?.body).toEqual({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: 93, reason: "user" },
      });
    });
  });

  describe("origin and credentials (T15, A1–A9)", () => {
    it("T15: a foreign Origin → 403 on every method, even with a good Host; our public origin is fine", async () => {
      const foreign = { origin: "http://evil.example" };
      expect((await post(INITIALIZE, foreign)).status).toBe(403);
      const get = await gateway().fetch(gateway().urlFor(world.publicId), {
        headers: {
          ...foreign,
          authorization: `Bearer ${world.token}`,
          accept: "text/event-stream",
          "mcp-session-id": "a".repeat(43),
        },
      });
      expect(get.status).toBe(403);
      expect((await post(INITIALIZE, { origin: "null" })).status).toBe(403);
      expect((await post(INITIALIZE, { origin: PUBLIC_ORIGIN })).status).toBe(200);
    });

    it("A1: no Authorization → 401 with resource_metadata pointing at the PRM of this URL", async () => {
      const response = await gateway().fetch(gateway().urlFor(world.publicId), {
        method: "POST",
        headers: { accept: "application/json, text/event-stream", "content-type": "application/json" },
        body: JSON.stringify(INITIALIZE),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe(
        `Bearer resource_metadata="${env().GATEHOUSE_PUBLIC_URL}/.well-known/oauth-protected-resource/mcp/${world.publicId}"`,
      );
    });

    it("A2: the protected resource metadata names this exact URL", async () => {
      const url = gateway()
        .urlFor(world.publicId)
        .replace("/mcp/", "/.well-known/oauth-protected-resource/mcp/");
      const response = await gateway().fetch(url);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource: `${env().GATEHOUSE_PUBLIC_URL}/mcp/${world.publicId}`,
        authorization_servers: [env().GATEHOUSE_PUBLIC_URL],
        scopes_supported: [],
        bearer_methods_supported: ["header"],
        resource_name: "Gatehouse MCP connection",
      });
      const malformed = await gateway().fetch(url.replace(world.publicId, "not-an-id"));
      expect(malformed.status).toBe(404);
    });

    it("A3: garbage, malformed and expired credentials → 401 invalid_token", async () => {
      const expired = await connectedUser({ upstreamUrl: fixture.url });
      await db().apiToken.update({
        where: { id: expired.tokenId },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      for (const authorization of [
        "Bearer garbage",
        "Bearer gh_aaaaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Basic dXNlcjpwYXNz",
        `Bearer ${world.token}x`,
        `Bearer ${expired.token}`,
      ]) {
        const response = await gateway().fetch(gateway().urlFor(world.publicId), {
          method: "POST",
          headers: { ...postHeaders(world.token), authorization },
          body: JSON.stringify(INITIALIZE),
        });
        expect(response.status, authorization).toBe(401);
        expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
      }
    });

    it("A4/X6: another user's valid token on this URL → 404, as for a URL that does not exist", async () => {
      const stranger = await connectedUser({ upstreamUrl: fixture.url });
      const response = await post(INITIALIZE, {}, stranger.token, world.publicId);
      expect(response.status).toBe(404);
      const unknown = await post(INITIALIZE, {}, world.token, "A".repeat(43));
      expect(unknown.status).toBe(404);
      expect(await response.json()).toEqual(await unknown.json());
    });

    it("A5: a token whose scope lacks this connection (or is empty) → 403 insufficient_scope", async () => {
      const empty = await connectedUser({ upstreamUrl: fixture.url, scopes: () => [] });
      const elsewhere = await connectedUser({ upstreamUrl: fixture.url });
      // A scope naming another connection of the user (written directly: it does not exist here).
      await db().apiToken.update({
        where: { id: elsewhere.tokenId },
        data: { scopes: [{ connectionId: randomUUID() }] },
      });
      for (const scoped of [empty, elsewhere]) {
        const response = await post(INITIALIZE, {}, scoped.token, scoped.publicId);
        expect(response.status).toBe(403);
        expect(response.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
        expect(await response.json()).toMatchObject({
          id: 0,
          error: { code: -32003, data: { reason: "insufficient_scope" } },
        });
      }
      const byServer = await connectedUser({
        upstreamUrl: fixture.url,
        scopes: ({ serverId }) => [{ serverId }],
      });
      expect((await post(INITIALIZE, {}, byServer.token, byServer.publicId)).status).toBe(200);
    });

    it("A6: a token in the query string is refused before use (400 invalid_request)", async () => {
      const url = `${gateway().urlFor(world.publicId)}?access_token=${encodeURIComponent(world.token)}`;
      const response = await gateway().fetch(url, {
        method: "POST",
        headers: postHeaders(world.token),
        body: JSON.stringify(INITIALIZE),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get("www-authenticate")).toContain('error="invalid_request"');
      const withoutHeader = await gateway().fetch(url, {
        method: "POST",
        headers: { accept: "application/json, text/event-stream", "content-type": "application/json" },
        body: JSON.stringify(INITIALIZE),
      });
      expect(withoutHeader.status).toBe(400);
    });

    it("A7: a session id is not a credential: another user's, or another connection's, session → 404", async () => {
      const sessionId = await openSession(gateway(), world.publicId, world.token);
      const other = await connectedUser({ upstreamUrl: fixture.url });
      const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
      expect((await post(list, { "mcp-session-id": sessionId }, other.token, other.publicId)).status).toBe(
        404,
      );
      const second = await connectedUser({
        upstreamUrl: fixture.url,
        scopes: ({ connectionId }) => [{ connectionId }],
      });
      const refused = await post(list, { "mcp-session-id": sessionId }, second.token, second.publicId);
      expect(refused.status).toBe(404);
      expect(await refused.json()).toMatchObject({ id: 1, error: { data: { reason: "session_not_found" } } });
      // the owner still uses it
      expect((await post(list, { "mcp-session-id": sessionId })).status).toBe(200);
      // Each refusal is audited as a denial of the one who tried, on their own connection.
      const denials = await db().auditEvent.findMany({
        where: { reason: "session_not_found", actorUserId: { in: [other.user.id, second.user.id] } },
        select: { actorUserId: true, connectionId: true, outcome: true, method: true },
      });
      expect(denials).toEqual(
        expect.arrayContaining([
          {
            actorUserId: other.user.id,
            connectionId: other.connectionId,
            outcome: "DENIED",
            method: "tools/list",
          },
          {
            actorUserId: second.user.id,
            connectionId: second.connectionId,
            outcome: "DENIED",
            method: "tools/list",
          },
        ]),
      );
      expect(denials).toHaveLength(2);
    });

    it("A8: the upstream gets only the connection's own credential and the MCP headers the gateway sets", async () => {
      const configured = await connectedUser({
        upstreamUrl: fixture.url,
        configSchema: [
          field({ name: "X-Upstream-Key", target: "header", secret: true, perUser: false, required: true }),
          field({ name: "X-Tenant", target: "header", perUser: true }),
        ],
        sharedSecrets: { "X-Upstream-Key": "publisher-secret" },
        values: { "X-Tenant": "tenant-7" },
      });
      const sessionId = await openSession(gateway(), configured.publicId, configured.token);
      const smuggled = {
        "mcp-session-id": sessionId,
        cookie: "authjs.session-token=stolen",
        "x-forwarded-for": "10.0.0.1",
        "x-forwarded-host": "evil.example",
        "x-forwarded-proto": "https",
        forwarded: "for=10.0.0.1;host=evil.example",
        "x-real-ip": "10.0.0.2",
        "x-api-key": "agent-key",
        "proxy-authorization": "Basic eDp5",
        "x-upstream-key": "agent-override",
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "user-agent": "agent/1.0",
      };
      const response = await post(
        call(100, "echo", { message: "h" }),
        smuggled,
        configured.token,
        configured.publicId,
      );
      expect((await messagesOf(response)).at(-1)).toMatchObject({ id: 100 });
      const received = fixture.received.findLast((entry) => (entry.body as { id?: number })?.id === 100);
      const headers = received?.headers ?? {};
      expect(Object.keys(headers).sort()).toEqual(
        [
          "accept",
          "connection",
          "content-length",
          "content-type",
          "host",
          "mcp-protocol-version",
          "mcp-session-id",
          "user-agent",
          "x-tenant",
          "x-upstream-key",
        ].sort(),
      );
      expect(headers).toMatchObject({
        "x-upstream-key": "publisher-secret",
        "x-tenant": "tenant-7",
        host: `127.0.0.1:${fixture.port}`,
        "user-agent": "Gatehouse-MCP-Proxy/0.1",
        "mcp-protocol-version": "2025-11-25",
      });
      expect(headers["mcp-session-id"]).not.toBe(sessionId);
      expect(JSON.stringify(fixture.received)).not.toContain(configured.token);
    });

    it("A8: a shared secret is never sent to a host the user entered (a version stored before that was refused)", async () => {
      const chosen = await connectedUser({
        upstreamUrl: fixture.url,
        configSchema: [
          field({ name: "host", target: "url-variable", required: true }),
          field({ name: "X-Upstream-Key", target: "header", secret: true, perUser: false, required: true }),
          field({ name: "X-Tenant", target: "header", perUser: false }),
        ],
        sharedSecrets: { "X-Upstream-Key": "publisher-secret" },
        values: { host: "127.0.0.1" },
      });
      // Saving this URL with these fields is refused now; write it as an older row would hold it.
      await db().serverVersion.update({
        where: { id: chosen.server.versionId },
        data: { url: `http://{host}:${fixture.port}/mcp`, sharedConfig: { "X-Tenant": "tenant-shared" } },
      });
      await bumpGlobalAccessEpoch();
      const sessionId = await openSession(gateway(), chosen.publicId, chosen.token);
      const response = await post(
        call(101, "echo", { message: "h" }),
        { "mcp-session-id": sessionId },
        chosen.token,
        chosen.publicId,
      );
      expect((await messagesOf(response)).at(-1)).toMatchObject({ id: 101 });
      const received = fixture.received.findLast((entry) => (entry.body as { id?: number })?.id === 101);
      // The user's host was dialled, with the shared plain value but without the shared secret.
      expect(received?.headers).toMatchObject({
        host: `127.0.0.1:${fixture.port}`,
        "x-tenant": "tenant-shared",
      });
      expect(received?.headers).not.toHaveProperty("x-upstream-key");
      const forThisServer = fixture.received.filter((entry) => entry.headers["x-tenant"] === "tenant-shared");
      expect(forThisServer.length).toBeGreaterThan(1);
      expect(JSON.stringify(forThisServer)).not.toContain("publisher-secret");
    });

    it("A9: revoking the token, deactivating the user, removing the grant → the next request fails", async () => {
      const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
      const revoked = await connectedUser({ upstreamUrl: fixture.url });
      const revokedSession = await openSession(gateway(), revoked.publicId, revoked.token);
      await revokeApiToken({
        db: db(),
        actor: { ...revoked.user, id: revoked.user.id },
        token: { tokenId: revoked.tokenId },
        context: {},
      });
      expect(
        (await post(list, { "mcp-session-id": revokedSession }, revoked.token, revoked.publicId)).status,
      ).toBe(401);

      const deactivated = await connectedUser({ upstreamUrl: fixture.url });
      const deactivatedSession = await openSession(gateway(), deactivated.publicId, deactivated.token);
      const admin = await createUser(db(), { role: "ADMIN" });
      await deactivateUser({ db: db(), actorId: admin.id, userId: deactivated.user.id, context: {} });
      expect(
        (await post(list, { "mcp-session-id": deactivatedSession }, deactivated.token, deactivated.publicId))
          .status,
      ).toBe(401);

      const ungranted = await connectedUser({ upstreamUrl: fixture.url });
      const ungrantedSession = await openSession(gateway(), ungranted.publicId, ungranted.token);
      await db().registryServer.deleteMany({ where: { serverId: ungranted.server.id } });
      // Written behind the services' back: bump the access epoch as revokeRegistryServer does.
      await bumpGlobalAccessEpoch();
      const denied = await post(
        list,
        { "mcp-session-id": ungrantedSession },
        ungranted.token,
        ungranted.publicId,
      );
      expect(denied.status).toBe(403);
      expect(await denied.json()).toMatchObject({
        id: 1,
        error: { code: -32003, data: { reason: "server_not_available" } },
      });
    });

    it("A9: open SSE streams of a revoked token, a deactivated user or a removed grant are closed", async () => {
      const openStream = async (who: World) => {
        const sessionId = await openSession(gateway(), who.publicId, who.token);
        const response = await gateway().fetch(gateway().urlFor(who.publicId), {
          headers: {
            authorization: `Bearer ${who.token}`,
            accept: "text/event-stream",
            "mcp-session-id": sessionId,
          },
        });
        expect(response.status).toBe(200);
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        // wrapped, or awaiting openStream would wait for the end of the stream itself
        return {
          ended: (async () => {
            for (;;) if ((await reader.read()).done) return Date.now();
          })(),
        };
      };
      const revoked = await connectedUser({ upstreamUrl: fixture.url });
      const deactivated = await connectedUser({ upstreamUrl: fixture.url });
      const ungranted = await connectedUser({ upstreamUrl: fixture.url });
      const streams = await Promise.all([
        openStream(revoked),
        openStream(deactivated),
        openStream(ungranted),
      ]);
      const started = Date.now();
      await revokeApiToken({
        db: db(),
        actor: { ...revoked.user, id: revoked.user.id },
        token: { tokenId: revoked.tokenId },
        context: {},
      });
      const admin = await createUser(db(), { role: "ADMIN" });
      await deactivateUser({ db: db(), actorId: admin.id, userId: deactivated.user.id, context: {} });
      await db().registryServer.deleteMany({ where: { serverId: ungranted.server.id } });
      const closedAt = await Promise.all(streams.map((stream) => stream.ended));
      for (const at of closedAt) expect(at - started).toBeLessThan(5_000);
    });
  });
});

describe("the fast path over raw sockets", () => {
  it("T17: a chunked body over the limit (no Content-Length) → 413 and the connection is closed", async () => {
    const world = await connectedUser({ upstreamUrl: fixture.url });
    const url = new URL((gateways["fast path"] as GatewayPath).urlFor(world.publicId));
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: { ...postHeaders(world.token), "transfer-encoding": "chunked" },
        },
        (response) => {
          let body = "";
          response.on("data", (chunk) => (body += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      request.on("error", reject);
      const chunk = "x".repeat(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 8 * 1024 * 1024) {
          sent += chunk.length;
          if (!request.write(chunk)) return void request.once("drain", pump);
        }
        request.end();
      };
      pump();
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body).error.code).toBe(-32600);
  });
});

describe("the route handler with a lying Content-Length", () => {
  it("T17: bytes are counted, not the declared length → 413", async () => {
    const world = await connectedUser({ upstreamUrl: fixture.url });
    const gateway = gateways["route handler"] as GatewayPath;
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await gateway.fetch(gateway.urlFor(world.publicId), {
      method: "POST",
      headers: { ...postHeaders(world.token), "content-length": "120" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    // reading stopped soon after the limit, not at the end of the upload
    expect(sent).toBeLessThan(6 * 1024 * 1024);
  });
});
