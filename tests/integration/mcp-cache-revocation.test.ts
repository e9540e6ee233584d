import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createUser } from "@/prisma/seed/factories";
import { db } from "@/server/db";
import { serveMcpWeb } from "@/server/mcp/adapters/web";
import type { McpDeps } from "@/server/mcp/context";
import { defaultMcpDeps } from "@/server/mcp/default-handler";
import { createMcpHandler } from "@/server/mcp/handler";
import { recheckAccess } from "@/server/mcp/policy-cache";
import { redis } from "@/server/redis";
import { bumpUserAccessEpochs } from "@/server/services/access/access-epochs";
import { deleteConnection } from "@/server/services/connections/delete-connection";
import { revokeRegistryServer } from "@/server/services/registries/revoke-registry-server";
import { updateAllowedTools } from "@/server/services/registries/update-allowed-tools";
import { tokenUsageBuffer } from "@/server/services/tokens/authenticate-api-token";
import { revokeApiToken } from "@/server/services/tokens/revoke-api-token";
import { deactivateUser } from "@/server/services/users/deactivate-user";
import { freePort } from "../fixtures/everything-server";
import { connectedUser, INITIALIZE, messagesOf, webPost } from "../fixtures/mcp-gateway";
import { type McpFixture, startMcpFixture } from "../fixtures/mcp-upstream";
import { waitUntil } from "./helpers/polling";

/**
 * The proxy's per-instance policy cache (server/mcp/policy-cache.ts): decisions are reused, yet
 * every change of access made through the services applies to the very next request, on the
 * instance that cached it and on another one sharing Redis; Redis down fails closed; token use is
 * counted in the database after a flush.
 */

type World = Awaited<ReturnType<typeof connectedUser>>;
type Instance = { deps: McpDeps; handle: (request: Request) => Promise<Response> };

let fixture: McpFixture;
let redisDown = false;
const closedPort = await freePort();
const deadRedis = new Redis({
  host: "127.0.0.1",
  port: closedPort,
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
});

function instance(): Instance {
  const deps = defaultMcpDeps({
    redis: () => (redisDown ? deadRedis : redis()),
    rateLimits: { perToken: 0, perUser: 0 },
  });
  const handler = createMcpHandler(deps);
  return { deps, handle: (request) => serveMcpWeb(request, handler) };
}

const a = instance();
const b = instance();

beforeAll(async () => {
  fixture = await startMcpFixture();
});
afterAll(async () => {
  await fixture.stop();
  deadRedis.disconnect();
});

let nextId = 1;
function post(on: Instance, who: World, body: unknown, sessionId?: string): Promise<Response> {
  return webPost(on.handle, who, body, sessionId);
}

async function open(on: Instance, who: World): Promise<string> {
  const response = await post(on, who, INITIALIZE);
  expect(response.status).toBe(200);
  await response.text();
  const sessionId = response.headers.get("mcp-session-id") as string;
  const initialized = await post(on, who, { jsonrpc: "2.0", method: "notifications/initialized" }, sessionId);
  expect(initialized.status).toBe(202);
  return sessionId;
}

async function echo(on: Instance, who: World, sessionId: string) {
  const id = nextId++;
  const response = await post(
    on,
    who,
    { jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { message: "hi" } } },
    sessionId,
  );
  const body = response.status === 200 ? (await messagesOf(response)).at(-1) : await response.json();
  return { status: response.status, body: body as Record<string, unknown>, headers: response.headers };
}

/** Redis pipelines sent by this process while `run` runs (the hot path's one round trip is one). */
async function pipelinesDuring(run: () => Promise<void>): Promise<number> {
  const spy = vi.spyOn(redis(), "pipeline");
  try {
    await run();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

/**
 * A user, a session on each instance, and two served calls on each (so both have cached them),
 * the last one served from the instance's trusted mirror, without a Redis round trip: what follows
 * proves that changes reach the mirrors, not only Redis.
 */
async function warm(options: Parameters<typeof connectedUser>[0] = { upstreamUrl: "" }) {
  const who = await connectedUser({ ...options, upstreamUrl: fixture.url });
  const sessions = { a: await open(a, who), b: await open(b, who) };
  await waitUntil(() => [a, b].every((on) => on.deps.accessMirror?.isTrusted() === true));
  for (const on of ["a", "b"] as const)
    for (let i = 0; i < 2; i++) {
      const pipelines = await pipelinesDuring(async () => {
        const answer = await echo(on === "a" ? a : b, who, sessions[on]);
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({ result: { content: [{ type: "text", text: "echo: hi" }] } });
      });
      if (i === 1) expect(pipelines).toBe(0);
    }
  return { who, sessions };
}

describe("policy cache: changes apply to the very next request on every instance", () => {
  it("reuses a cached decision until an access epoch moves (a direct database write is not seen before)", async () => {
    const { who, sessions } = await warm();
    // Written behind the services' back: no epoch moves, so the cached credential still serves.
    await db().apiToken.update({ where: { id: who.tokenId }, data: { revokedAt: new Date() } });
    expect((await echo(a, who, sessions.a)).status).toBe(200);
    // The bump every service does after its commit makes both instances verify again.
    await bumpUserAccessEpochs(who.user.id);
    expect((await echo(a, who, sessions.a)).status).toBe(401);
    expect((await echo(b, who, sessions.b)).status).toBe(401);
  });

  it("token revocation", async () => {
    const { who, sessions } = await warm();
    await revokeApiToken({ db: db(), actor: who.user, token: { tokenId: who.tokenId }, context: {} });
    const onA = await echo(a, who, sessions.a);
    expect(onA.status).toBe(401);
    expect(onA.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect((await echo(b, who, sessions.b)).status).toBe(401);
  });

  it("user deactivation", async () => {
    const { who, sessions } = await warm();
    const admin = await createUser(db(), { role: "ADMIN" });
    await deactivateUser({ db: db(), actorId: admin.id, userId: who.user.id, context: {} });
    expect((await echo(a, who, sessions.a)).status).toBe(401);
    expect((await echo(b, who, sessions.b)).status).toBe(401);
  });

  it("registry grant removal", async () => {
    const { who, sessions } = await warm();
    await revokeRegistryServer({
      db: db(),
      actor: who.owner,
      registryId: who.registry.id,
      serverId: who.server.id,
      context: {},
    });
    for (const [on, sessionId] of [
      [a, sessions.a],
      [b, sessions.b],
    ] as const) {
      const answer = await echo(on, who, sessionId);
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({
        error: { code: -32003, data: { reason: "server_not_available" } },
      });
    }
  });

  it("tool allow-list change", async () => {
    const { who, sessions } = await warm({ upstreamUrl: "", allowedTools: ["echo", "add"] });
    const before = fixture.toolCalls("echo");
    await updateAllowedTools({
      db: db(),
      actor: who.owner,
      registryId: who.registry.id,
      serverId: who.server.id,
      allowedTools: ["add"],
      context: {},
    });
    for (const [on, sessionId] of [
      [a, sessions.a],
      [b, sessions.b],
    ] as const) {
      const answer = await echo(on, who, sessionId);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ error: { message: expect.stringContaining("registry") } });
    }
    expect(fixture.toolCalls("echo")).toBe(before);
  });

  it("connection deletion", async () => {
    const { who, sessions } = await warm();
    await deleteConnection({ db: db(), userId: who.user.id, connectionId: who.connectionId, context: {} });
    expect((await echo(a, who, sessions.a)).status).toBe(404);
    expect((await echo(b, who, sessions.b)).status).toBe(404);
  });
});

describe("policy cache: failure and bookkeeping", () => {
  it("fails closed with 503 when Redis cannot be read, even for a cached decision", async () => {
    const { who, sessions } = await warm();
    redisDown = true;
    try {
      const answer = await echo(a, who, sessions.a);
      expect(answer.status).toBe(503);
      expect(answer.headers.get("retry-after")).toBe("5");
      expect(answer.body).toMatchObject({ error: { code: -32050 } });
    } finally {
      redisDown = false;
    }
    expect((await echo(a, who, sessions.a)).status).toBe(200);
  });

  it("counts every authenticated request in the token's row once the buffer is flushed", async () => {
    const { who, sessions } = await warm();
    for (let i = 0; i < 3; i++) expect((await echo(a, who, sessions.a)).status).toBe(200);
    await tokenUsageBuffer(db).flush();
    const row = await db().apiToken.findUniqueOrThrow({ where: { id: who.tokenId } });
    // 2 × (initialize + initialized) + 4 warm-up calls + 3 calls
    expect(row.usageCount).toBe(11);
    expect(row.lastUsedAt).toBeInstanceOf(Date);
    expect(Date.now() - (row.lastUsedAt as Date).getTime()).toBeLessThan(60_000);
  });

  it("does not count the gateway's own re-checks of an open stream as uses, cached or not", async () => {
    const { who, sessions } = await warm();
    await tokenUsageBuffer(db).flush();
    const before = await db().apiToken.findUniqueOrThrow({ where: { id: who.tokenId } });
    const recheck = (on: Instance) =>
      recheckAccess(on.deps, {
        authorization: `Bearer ${who.token}`,
        clientIp: "127.0.0.1",
        resource: `http://localhost:3000/mcp/${who.publicId}`,
        publicId: who.publicId,
        sessionId: sessions.a,
      });
    expect(await recheck(a)).toBe("allowed");
    // A moved epoch sends the re-check past the cache, to the token's row.
    await bumpUserAccessEpochs(who.user.id);
    expect(await recheck(b)).toBe("allowed");
    expect(await recheck(instance())).toBe("allowed");
    await tokenUsageBuffer(db).flush();
    const after = await db().apiToken.findUniqueOrThrow({ where: { id: who.tokenId } });
    expect(after.usageCount).toBe(before.usageCount);
    expect(after.lastUsedAt).toEqual(before.lastUsedAt);
    // A token whose address allow-list no longer admits the stream's client closes it at once,
    // as a revocation does: a denial, not a check that "could not run" (retried before closing).
    await db().apiToken.update({ where: { id: who.tokenId }, data: { ipAllowList: ["198.51.100.0/24"] } });
    await bumpUserAccessEpochs(who.user.id);
    expect(await recheck(a)).toBe("denied");
  });
});
