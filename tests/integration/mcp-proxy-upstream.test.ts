import type { ServerResponse } from "node:http";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDb, db } from "@/server/db";
import { defaultMcpDeps, installMcpHandler } from "@/server/mcp/default-handler";
import { createMcpHandler } from "@/server/mcp/handler";
import { redisSessionStore } from "@/server/mcp/session-store";
import { redisKey } from "@/server/redis";
import type { Resolver } from "@/server/security/outbound-url";
import { bumpGlobalAccessEpoch } from "@/server/services/access/access-epochs";
import { allowOutboundHosts } from "@/server/services/settings/outbound-policy";
import { revokeApiToken } from "@/server/services/tokens/revoke-api-token";
import { freePort } from "../fixtures/everything-server";
import { startCluster } from "../fixtures/gateway-cluster";
import {
  connectedUser,
  type GatewayPath,
  INITIALIZE,
  messagesOf,
  openSession,
  postHeaders,
  routeHandlerPath,
  startFastPath,
} from "../fixtures/mcp-gateway";
import { type McpFixture, startMcpFixture } from "../fixtures/mcp-upstream";

/**
 * The upstream side (PROTOCOL X1, X9, A9; issue 5 "Sessions", "Timeouts"): hanging, silent and
 * flooding upstreams are cut off by timeouts and size caps; a lost upstream session is
 * re-initialized once, transparently; the SSRF guard holds at dial time with the address pinned;
 * unsupported transports and unreachable dependencies get clear errors; a revocation broadcast
 * closes open streams at once.
 */
const LIMITS = {
  connectTimeoutMs: 500,
  headersTimeoutMs: 800,
  idleTimeoutMs: 800,
  maxMessageBytes: 64 * 1024,
  maxStreamBytes: 256 * 1024,
};

/** Test DNS: names under .gatehouse.test resolve as the test says; `rebind` answers differently each time. */
let rebindAnswers: string[][] = [];
const resolver: Resolver = async (hostname) => {
  if (hostname === "upstream.gatehouse.test") return ["127.0.0.1"];
  if (hostname === "rebind.gatehouse.test") return rebindAnswers.shift() ?? ["127.0.0.1"];
  throw new Error(`${hostname} does not resolve in this test`);
};

function install(overrides: Parameters<typeof defaultMcpDeps>[0] = {}) {
  installMcpHandler(
    createMcpHandler(
      defaultMcpDeps({
        limits: LIMITS,
        resolver,
        revalidateIntervalMs: 60_000,
        keepAliveIntervalMs: 200,
        ...overrides,
      }),
    ),
  );
}

let fixture: McpFixture;
const gateways: Record<string, GatewayPath> = {};
const held: ServerResponse[] = [];

beforeAll(async () => {
  install();
  fixture = await startMcpFixture();
  gateways["fast path"] = await startFastPath();
  gateways["route handler"] = await routeHandlerPath();
  gateways["two instances"] = await startCluster({
    limits: LIMITS,
    revalidateIntervalMs: 60_000,
    keepAliveIntervalMs: 200,
  });
});

afterEach(() => {
  fixture.intercept = null;
  for (const response of held.splice(0)) response.destroy();
});

afterAll(async () => {
  for (const gateway of Object.values(gateways)) await gateway.close();
  await fixture?.stop();
});

/** Answers tools/call of `tool` by hand; everything else goes to the SDK server. */
function interceptTool(tool: string, answer: (response: ServerResponse) => void) {
  fixture.intercept = (_request, response, body) => {
    const message = body as { method?: string; params?: { name?: string } } | undefined;
    if (message?.method !== "tools/call" || message.params?.name !== tool) return false;
    held.push(response);
    answer(response);
    return true;
  };
}

describe.each(["fast path", "route handler", "two instances"])(
  "upstream behaviour through the %s",
  (pathName) => {
    const gateway = () => gateways[pathName] as GatewayPath;
    let world: Awaited<ReturnType<typeof connectedUser>>;
    let sessionId: string;

    beforeAll(async () => {
      world = await connectedUser({ upstreamUrl: fixture.url });
      sessionId = await openSession(gateway(), world.publicId, world.token);
    });

    const callTool = (
      id: number,
      name: string,
      args: Record<string, unknown> = {},
      who = world,
      session = sessionId,
    ) =>
      gateway().fetch(gateway().urlFor(who.publicId), {
        method: "POST",
        headers: postHeaders(who.token, { "mcp-session-id": session }),
        body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } }),
      });

    async function lastRow(subject: string) {
      return db().auditEvent.findFirst({
        where: { connectionId: world.connectionId, subject },
        orderBy: { occurredAt: "desc" },
      });
    }

    it("X9: an upstream that never answers → -32052 after the headers timeout, audited as TIMEOUT", async () => {
      interceptTool("hang", () => undefined);
      const started = Date.now();
      const answer = await messagesOf(await callTool(1, "hang"));
      expect(Date.now() - started).toBeLessThan(LIMITS.headersTimeoutMs + 4_000);
      expect(answer.at(-1)).toMatchObject({ id: 1, error: { code: -32052 } });
      expect(await lastRow("hang")).toMatchObject({ outcome: "TIMEOUT", method: "tools/call" });
    });

    it("X9: a stream that goes silent → the call ends with -32052 after the idle timeout", async () => {
      interceptTool("silent", (response) => {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.write(": hello\n\n");
      });
      const answer = await messagesOf(await callTool(2, "silent"));
      expect(answer.at(-1)).toMatchObject({
        id: 2,
        error: { code: -32052, message: expect.stringContaining("silent") },
      });
      expect(await lastRow("silent")).toMatchObject({ outcome: "TIMEOUT" });
    });

    it("X9: an initialize answered by a stream that only trickles comments ends after the headers timeout", async () => {
      fixture.intercept = (_request, response, body) => {
        if ((body as { method?: string } | undefined)?.method !== "initialize") return false;
        held.push(response);
        response.writeHead(200, { "content-type": "text/event-stream" });
        // Each comment comes well within the idle timeout, so only a deadline on the answer ends it.
        const trickle = setInterval(() => response.write(": still here\n\n"), LIMITS.idleTimeoutMs / 4);
        response.once("close", () => clearInterval(trickle));
        return true;
      };
      const started = Date.now();
      const answer = await gateway().fetch(gateway().urlFor(world.publicId), {
        method: "POST",
        headers: postHeaders(world.token),
        body: JSON.stringify({ ...INITIALIZE, id: 77 }),
      });
      expect((await messagesOf(answer)).at(-1)).toMatchObject({ id: 77, error: { code: -32052 } });
      expect(Date.now() - started).toBeLessThan(LIMITS.headersTimeoutMs + 4_000);
    });

    it("X9: a JSON answer over the size cap → -32053, and reading stops at the cap", async () => {
      let written = 0;
      interceptTool("flood-json", (response) => {
        response.writeHead(200, { "content-type": "application/json" });
        const chunk = Buffer.alloc(16 * 1024, "a");
        const pump = () => {
          while (written < 20 * 1024 * 1024 && !response.destroyed) {
            written += chunk.length;
            if (!response.write(chunk)) return void response.once("drain", pump);
          }
        };
        pump();
      });
      const answer = await messagesOf(await callTool(3, "flood-json"));
      expect(answer.at(-1)).toMatchObject({ id: 3, error: { code: -32053 } });
      expect(written).toBeLessThan(8 * 1024 * 1024);
      expect(await lastRow("flood-json")).toMatchObject({ outcome: "UPSTREAM_ERROR" });
    });

    it("X9: an SSE stream over the stream cap, or one event over the message cap → -32053", async () => {
      interceptTool("flood-sse", (response) => {
        response.writeHead(200, { "content-type": "text/event-stream" });
        const junk = `data: ${"z".repeat(4 * 1024)}\n\n`;
        const pump = () => {
          for (let i = 0; i < 400 && !response.destroyed; i++)
            if (!response.write(junk)) return void response.once("drain", pump);
        };
        pump();
      });
      expect((await messagesOf(await callTool(4, "flood-sse"))).at(-1)).toMatchObject({
        id: 4,
        error: { code: -32053 },
      });
      interceptTool("huge-event", (response) => {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.write(`data: {"jsonrpc":"2.0","id":5,"result":{"pad":"${"y".repeat(100 * 1024)}"}}\n\n`);
      });
      expect((await messagesOf(await callTool(5, "huge-event"))).at(-1)).toMatchObject({
        id: 5,
        error: { code: -32053 },
      });
    });

    it("an upstream HTTP error becomes a JSON-RPC error with the request's id (its own JSON-RPC error when it sent one)", async () => {
      interceptTool("broken", (response) =>
        response.writeHead(500, { "content-type": "text/html" }).end("<h1>oops</h1>"),
      );
      const plain = (await messagesOf(await callTool(6, "broken"))).at(-1);
      expect(plain).toEqual({
        jsonrpc: "2.0",
        id: 6,
        error: {
          code: -32051,
          message: "The upstream server answered HTTP 500.",
          data: { upstreamStatus: 500 },
        },
      });
      interceptTool("picky", (response) =>
        response
          .writeHead(400, { "content-type": "application/json" })
          .end(
            JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32602, message: "bad arguments" } }),
          ),
      );
      expect((await messagesOf(await callTool(7, "picky"))).at(-1)).toEqual({
        jsonrpc: "2.0",
        id: 7,
        error: { code: -32602, message: "bad arguments" },
      });
    });

    it("re-initializes a lost upstream session once, transparently, keeping the agent's ids", async () => {
      const own = await connectedUser({ upstreamUrl: fixture.url });
      const ownSession = await openSession(gateway(), own.publicId, own.token);
      const initializesBefore = fixture.received.filter(
        (entry) => (entry.body as { method?: string })?.method === "initialize",
      ).length;
      fixture.forgetSessions();
      const answer = await messagesOf(await callTool(8, "echo", { message: "again" }, own, ownSession));
      expect(answer.at(-1)).toEqual({
        jsonrpc: "2.0",
        id: 8,
        result: { content: [{ type: "text", text: "echo: again" }] },
      });
      const initializes = fixture.received.filter(
        (entry) => (entry.body as { method?: string })?.method === "initialize",
      );
      expect(initializes.length).toBe(initializesBefore + 1);
      expect((initializes.at(-1)?.body as { id?: string } | undefined)?.id).toMatch(
        /^gatehouse-reinit-[0-9a-f]{12}$/,
      );
      const reinit = await db().auditEvent.findFirst({
        where: { connectionId: own.connectionId, method: "initialize", reason: { not: null } },
      });
      expect(reinit).toMatchObject({ outcome: "OK", metadata: { gatewayInitiated: true } });
      // the next call uses the new upstream session without another initialize
      const next = await messagesOf(await callTool(9, "echo", { message: "still" }, own, ownSession));
      expect(next.at(-1)).toMatchObject({ id: 9, result: { content: [{ text: "echo: still" }] } });
      expect(
        fixture.received.filter((entry) => (entry.body as { method?: string })?.method === "initialize")
          .length,
      ).toBe(initializesBefore + 1);
    });

    it("also re-initializes when the upstream answers a lost session with 400 naming the session (as the SDK's example servers do), and only then", async () => {
      const own = await connectedUser({ upstreamUrl: fixture.url });
      const ownSession = await openSession(gateway(), own.publicId, own.token);
      const initializes = () =>
        fixture.received.filter((entry) => (entry.body as { method?: string })?.method === "initialize")
          .length;
      const before = initializes();
      const refuseOnce = (message: string) => {
        let refused = false;
        interceptTool("echo", (response) => {
          refused = true;
          fixture.intercept = null;
          response
            .writeHead(400, { "content-type": "application/json" })
            .end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message } }));
        });
        return () => refused;
      };
      const refusedSession = refuseOnce("Bad Request: No valid session ID provided");
      fixture.forgetSessions();
      // The interceptor answers the first attempt only; the re-initialized retry reaches the SDK server.
      const answer = await messagesOf(
        await callTool(10, "echo", { message: "after a restart" }, own, ownSession),
      );
      expect(refusedSession()).toBe(true);
      expect(answer.at(-1)).toMatchObject({
        id: 10,
        result: { content: [{ text: "echo: after a restart" }] },
      });
      expect(initializes()).toBe(before + 1);

      // Any other 400 is the upstream's refusal of this call: passed on, no re-initialization.
      refuseOnce("Bad Request: the arguments do not match the schema");
      const refusal = await messagesOf(await callTool(11, "echo", { message: "bad" }, own, ownSession));
      expect(refusal.at(-1)).toMatchObject({
        id: 11,
        error: { message: expect.stringContaining("do not match") },
      });
      expect(initializes()).toBe(before + 1);
    });

    it("X1: refuses to dial an address the SSRF guard refuses (checked on every request)", async () => {
      const own = await connectedUser({ upstreamUrl: fixture.url });
      const ownSession = await openSession(gateway(), own.publicId, own.token);
      await db().serverVersion.update({
        where: { id: own.server.versionId },
        data: { url: "http://169.254.169.254/mcp" },
      });
      // Written behind the services' back: bump the access epoch as updateVersion does.
      await bumpGlobalAccessEpoch();
      const answer = (await messagesOf(await callTool(10, "echo", { message: "x" }, own, ownSession))).at(-1);
      expect(answer).toMatchObject({
        id: 10,
        error: { code: -32051, message: expect.stringContaining("link-local") },
      });
    });

    // The test DNS (`resolver`) is injected into this process's handler only; the instances resolve for real.
    it.skipIf(pathName === "two instances")(
      "X1: dials the address it checked (pinned), with the name only in Host",
      async () => {
        await allowOutboundHosts(db(), [`upstream.gatehouse.test:${fixture.port}`]);
        const own = await connectedUser({ upstreamUrl: fixture.url });
        await db().serverVersion.update({
          where: { id: own.server.versionId },
          data: { url: `http://upstream.gatehouse.test:${fixture.port}/mcp` },
        });
        await openSession(gateway(), own.publicId, own.token);
        expect(fixture.received.at(-1)?.headers.host).toBe(`upstream.gatehouse.test:${fixture.port}`);

        // A name that resolves publicly for the check and privately later is never dialled privately.
        const rebound = await connectedUser({ upstreamUrl: fixture.url });
        await db().serverVersion.update({
          where: { id: rebound.server.versionId },
          data: { url: `http://rebind.gatehouse.test:${fixture.port}/mcp` },
        });
        rebindAnswers = [["93.184.216.34"], ["127.0.0.1"], ["127.0.0.1"]];
        const before = fixture.received.length;
        const response = await gateway().fetch(gateway().urlFor(rebound.publicId), {
          method: "POST",
          headers: postHeaders(rebound.token),
          body: JSON.stringify(INITIALIZE),
        });
        const error = (await response.json()).error;
        // it passed the guard (a public address) and then failed to reach that address: never 127.0.0.1
        expect(error.code).toBeOneOf([-32051, -32052]);
        expect(error.message).not.toContain("will not connect");
        expect(fixture.received.length).toBe(before);
        rebindAnswers = [];
      },
    );

    it("relays SSE and stdio upstreams too: a misconfigured one gets a clear JSON-RPC error, not 501", async () => {
      // (mcp-upstream-sse.test.ts and mcp-stdio.test.ts cover the working transports.)
      const expected = {
        // a streamable-HTTP URL answers the legacy GET /sse with 405
        SSE: "SSE stream request with HTTP",
        // the factory's stdio command does not fit the allow-list, re-checked at spawn (X2)
        STDIO: "command is no longer allowed",
      } as const;
      for (const transport of ["SSE", "STDIO"] as const) {
        const own = await connectedUser({ upstreamUrl: fixture.url, transport });
        const response = await gateway().fetch(gateway().urlFor(own.publicId), {
          method: "POST",
          headers: postHeaders(own.token),
          body: JSON.stringify(INITIALIZE),
        });
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({
          id: 0,
          error: { code: -32051, message: expect.stringContaining(expected[transport]) },
        });
      }
    });

    it("A9: a revocation broadcast closes the token's open stream at once (no periodic check needed)", async () => {
      const own = await connectedUser({ upstreamUrl: fixture.url });
      const ownSession = await openSession(gateway(), own.publicId, own.token);
      const response = await gateway().fetch(gateway().urlFor(own.publicId), {
        headers: {
          authorization: `Bearer ${own.token}`,
          accept: "text/event-stream",
          "mcp-session-id": ownSession,
        },
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      // idle streams get keep-alive comments
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toContain(": keep-alive");
      const started = Date.now();
      await revokeApiToken({
        db: db(),
        actor: { ...own.user, id: own.user.id },
        token: { tokenId: own.tokenId },
        context: {},
      });
      for (;;) if ((await reader.read()).done) break;
      // far below the 60 s periodic re-check: the broadcast closed it
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  },
);

describe("dependencies down", () => {
  afterEach(() => install());
  // The dead database and Redis are swapped into this process's handler; the two instances keep theirs.
  const inProcess = () => [gateways["fast path"], gateways["route handler"]] as GatewayPath[];

  it("the database unreachable → 503 with a JSON-RPC error, nothing relayed", async () => {
    const world = await connectedUser({ upstreamUrl: fixture.url });
    const deadDb = createDb(`postgresql://nobody:hunter2@127.0.0.1:${await freePort()}/none`, { max: 1 });
    install({ db: () => deadDb });
    const before = fixture.received.length;
    for (const gateway of inProcess()) {
      const response = await gateway.fetch(gateway.urlFor(world.publicId), {
        method: "POST",
        headers: postHeaders(world.token),
        body: JSON.stringify(INITIALIZE),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({
        error: { code: -32050, message: "The database is unreachable right now. Try again shortly." },
      });
      expect(text).not.toContain("hunter2");
    }
    expect(fixture.received.length).toBe(before);
    await deadDb.$disconnect();
  });

  it("Redis unreachable → 503 (sessions cannot be kept, so none is started)", async () => {
    const world = await connectedUser({ upstreamUrl: fixture.url });
    const deadRedis = new Redis(`redis://127.0.0.1:${await freePort()}`, {
      maxRetriesPerRequest: 1,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    deadRedis.on("error", () => undefined);
    install({
      redis: () => deadRedis,
      sessions: redisSessionStore({ redis: () => deadRedis, key: redisKey, idleTtlMs: 60_000 }),
    });
    for (const gateway of inProcess()) {
      const response = await gateway.fetch(gateway.urlFor(world.publicId), {
        method: "POST",
        headers: postHeaders(world.token),
        body: JSON.stringify(INITIALIZE),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("mcp-session-id")).toBeNull();
      expect(await response.json()).toMatchObject({
        error: { code: -32050, message: "Redis is unreachable right now. Try again shortly." },
      });
      const existing = await gateway.fetch(gateway.urlFor(world.publicId), {
        method: "POST",
        headers: postHeaders(world.token, { "mcp-session-id": "s".repeat(43) }),
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
      expect(existing.status).toBe(503);
    }
    deadRedis.disconnect();
  });
});
