import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/server/db";
import type { McpDeps } from "@/server/mcp/context";
import { redisSessionStore } from "@/server/mcp/session-store";
import { sweepIdleSessions } from "@/server/mcp/session-sweeper";
import { runningStdioProcesses } from "@/server/mcp/stdio/supervisor";
import { redis, redisKey } from "@/server/redis";
import { EVERYTHING_ENTRY, EVERYTHING_TEMPLATE } from "../fixtures/everything-server";
import {
  connectedUser,
  type GatewayPath,
  openSession,
  postHeaders,
  routeHandlerPath,
  useHandler,
} from "../fixtures/mcp-gateway";
import { type McpFixture, startMcpFixture } from "../fixtures/mcp-upstream";

/**
 * Idle expiry of downstream sessions closes their upstream side (session-sweeper.ts): DELETE toward
 * an HTTP upstream, the stdio process stopped. A session still in use is left alone, and a sweep
 * takes each expired session once.
 */
const IDLE_MS = 800;
/** a small per-user cap, so a test can go past it (each test's user is its own) */
const SESSIONS_PER_USER = 3;

let fixture: McpFixture;
let gateway: GatewayPath;
let deps: McpDeps;

beforeAll(async () => {
  fixture = await startMcpFixture();
  // This file's sessions get a Redis namespace of their own. The sweep looks at the oldest index
  // entries first; in a full run the index also holds other files' live sessions (30-minute TTL)
  // that are "old" by this file's short TTL and would fill the sweep's batch.
  const namespace = `expiry-test-${randomBytes(4).toString("hex")}`;
  const key = (...parts: string[]) => redisKey(namespace, ...parts);
  deps = useHandler({
    redisKey: key,
    sessions: redisSessionStore({ redis, key, idleTtlMs: IDLE_MS, maxPerUser: SESSIONS_PER_USER }),
    sessionIdleTtlMs: IDLE_MS,
    stdio: {
      templates: async () => [EVERYTHING_TEMPLATE],
    },
  });
  gateway = await routeHandlerPath();
});

afterAll(async () => {
  await Promise.all([...runningStdioProcesses()].map((p) => p.kill("test end")));
  await fixture?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function upstreamSessionOf(fixtureRequests: McpFixture["received"], from: number): string {
  const ids = new Set(
    fixtureRequests
      .slice(from)
      .map((entry) => entry.headers["mcp-session-id"])
      .filter((id): id is string => typeof id === "string"),
  );
  expect(ids.size).toBe(1);
  return [...ids][0] as string;
}

async function ping(publicId: string, token: string, sessionId: string): Promise<number> {
  const response = await gateway.fetch(gateway.urlFor(publicId), {
    method: "POST",
    headers: postHeaders(token, { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" }),
    body: JSON.stringify({ jsonrpc: "2.0", id: 5, method: "ping" }),
  });
  await response.text();
  return response.status;
}

describe("sessions per user", () => {
  it("a user's new session past the cap ends their least recently used one; expired ones do not count", async () => {
    const many = await connectedUser({ upstreamUrl: fixture.url });
    const other = await connectedUser({ upstreamUrl: fixture.url });
    const otherSession = await openSession(gateway, other.publicId, other.token);
    const opened: { sessionId: string; upstream: string }[] = [];
    const open = async () => {
      const before = fixture.received.length;
      const sessionId = await openSession(gateway, many.publicId, many.token);
      opened.push({ sessionId, upstream: upstreamSessionOf(fixture.received, before) });
      return sessionId;
    };
    const status = (sessionId: string) => ping(many.publicId, many.token, sessionId);
    const [a, b, c] = [await open(), await open(), await open()];
    // A is the oldest, but in use: B is then the least recently used.
    await sleep(IDLE_MS / 4);
    expect(await status(a)).toBe(200);
    const d = await open();
    expect(await status(b)).toBe(404);
    for (const sessionId of [a, c, d]) expect(await status(sessionId)).toBe(200);
    // Another user's sessions do not count toward this one's cap.
    expect(await ping(other.publicId, other.token, otherSession)).toBe(200);
    // The sweeper closes the ended session's upstream side, and only that one.
    await sweepIdleSessions(deps);
    expect(fixture.deletedSessions).toContain(opened[1]?.upstream);
    for (const index of [0, 2, 3]) expect(fixture.deletedSessions).not.toContain(opened[index]?.upstream);
    const audited = await db().auditEvent.findMany({
      where: { action: "mcp.session.expire", connectionId: many.connectionId },
    });
    expect(audited.map((row) => [row.reason, row.metadata])).toEqual([
      ["past the per-user session cap", { upstreamStatus: 200 }],
    ]);

    // C is left idle until it expires, while A and D stay in use: C no longer counts, so a new
    // session ends nobody.
    for (let step = 0; step < 5; step += 1) {
      await sleep(IDLE_MS / 4);
      expect(await status(a)).toBe(200);
      expect(await status(d)).toBe(200);
    }
    const e = await open();
    for (const sessionId of [a, d, e]) expect(await status(sessionId)).toBe(200);
    expect(await status(c)).toBe(404);
  });
});

describe("idle session expiry", () => {
  it("DELETEs the HTTP upstream session of an expired session, once, and leaves a used one alone", async () => {
    const idle = await connectedUser({ upstreamUrl: fixture.url });
    const before = fixture.received.length;
    const idleSession = await openSession(gateway, idle.publicId, idle.token);
    const idleUpstream = upstreamSessionOf(fixture.received, before);

    const busy = await connectedUser({ upstreamUrl: fixture.url });
    const busyStart = fixture.received.length;
    const busySession = await openSession(gateway, busy.publicId, busy.token);
    const busyUpstream = upstreamSessionOf(fixture.received, busyStart);

    // nothing is swept while sessions are fresh
    await sweepIdleSessions(deps);
    expect(fixture.deletedSessions).not.toContain(idleUpstream);

    for (let index = 0; index < 4; index += 1) {
      await sleep(IDLE_MS / 3);
      expect(await ping(busy.publicId, busy.token, busySession)).toBe(200);
    }
    await sleep(150);
    await sweepIdleSessions(deps);
    expect(fixture.deletedSessions).toContain(idleUpstream);
    expect(fixture.deletedSessions).not.toContain(busyUpstream);
    expect(await ping(idle.publicId, idle.token, idleSession)).toBe(404);
    expect(await ping(busy.publicId, busy.token, busySession)).toBe(200);

    // a second sweep does not close it again
    await sweepIdleSessions(deps);
    expect(fixture.deletedSessions.filter((id) => id === idleUpstream)).toHaveLength(1);
    const audited = await db().auditEvent.findMany({
      where: { action: "mcp.session.expire", connectionId: { in: [idle.connectionId, busy.connectionId] } },
    });
    expect(audited.map((row) => [row.connectionId, row.actorUserId, row.metadata])).toEqual([
      [idle.connectionId, idle.user.id, { upstreamStatus: 200 }],
    ]);
  });

  it("stops the stdio process of an expired session", async () => {
    const world = await connectedUser({ upstreamUrl: "http://127.0.0.1:9/", transport: "STDIO" });
    await db().serverVersion.update({
      where: { id: world.server.versionId },
      data: { command: "node", args: [EVERYTHING_ENTRY, "stdio"] },
    });
    await openSession(gateway, world.publicId, world.token);
    const [pid] = [...runningStdioProcesses()]
      .filter((p) => p.connectionId === world.connectionId)
      .map((p) => p.pid);
    expect(pid).toBeGreaterThan(0);
    await sleep(IDLE_MS + 200);
    await sweepIdleSessions(deps);
    expect([...runningStdioProcesses()].filter((p) => p.connectionId === world.connectionId)).toEqual([]);
    expect(() => process.kill(pid as number, 0)).toThrow();
  });
});
