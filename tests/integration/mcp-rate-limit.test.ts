import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/server/db";
import { serveMcpWeb } from "@/server/mcp/adapters/web";
import { defaultMcpDeps } from "@/server/mcp/default-handler";
import { createMcpHandler } from "@/server/mcp/handler";
import { RATE_WINDOW_MS, type RateLimits } from "@/server/mcp/rate-limit";
import { issueApiToken } from "@/server/services/tokens/issue-api-token";
import { connectedUser, INITIALIZE, postHeaders, ROUTE_CLIENT_IP, webPost } from "../fixtures/mcp-gateway";
import { type McpFixture, startMcpFixture } from "../fixtures/mcp-upstream";

/**
 * Per-token and per-user rate limits (server/mcp/rate-limit.ts), counted in Redis and so shared by
 * every instance: over the limit → 429 with Retry-After and a JSON-RPC error, audited as DENIED
 * rate_limited, and the upstream is not reached.
 */

type Handle = (request: Request) => Promise<Response>;

function instance(limits: RateLimits): Handle {
  const handler = createMcpHandler(defaultMcpDeps({ rateLimits: limits }));
  return (request) => serveMcpWeb(request, handler);
}

let fixture: McpFixture;
beforeAll(async () => {
  fixture = await startMcpFixture();
});
afterAll(async () => {
  await fixture.stop();
});

/** Starts right after a window boundary when the current window is nearly over, so counts do not reset mid-test. */
async function freshWindow(): Promise<void> {
  const left = RATE_WINDOW_MS - (Date.now() % RATE_WINDOW_MS);
  if (left < 10_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

function initialize(on: Handle, publicId: string, token: string): Promise<Response> {
  return on(
    new Request(`http://gatehouse.test/mcp/${publicId}`, {
      method: "POST",
      headers: { ...postHeaders(token), "x-gatehouse-client-ip": ROUTE_CLIENT_IP },
      body: JSON.stringify(INITIALIZE),
    }),
  );
}

describe("MCP rate limits", () => {
  it("per token, across two instances: the request over the limit gets 429 with Retry-After, audited", async () => {
    const limits = { perToken: 4, perUser: 100 };
    const [a, b] = [instance(limits), instance(limits)];
    const who = await connectedUser({ upstreamUrl: fixture.url });
    await freshWindow();
    const before = fixture.received.length;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await initialize(i % 2 === 0 ? a : b, who.publicId, who.token);
      statuses.push(response.status);
      await response.text();
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
    const upstreamCalls = fixture.received.length - before;

    const refused = await initialize(b, who.publicId, who.token);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({
      jsonrpc: "2.0",
      error: {
        code: -32003,
        data: { reason: "rate_limited" },
        message: expect.stringContaining("Rate limit"),
      },
    });
    expect((await initialize(a, who.publicId, who.token)).status).toBe(429);
    expect(fixture.received.length - before).toBe(upstreamCalls);

    const denials = await db().auditEvent.findMany({
      where: { actorTokenId: who.tokenId, outcome: "DENIED" },
      select: { reason: true, connectionId: true, actorUserId: true },
    });
    expect(denials).toEqual([
      { reason: "rate_limited", connectionId: null, actorUserId: who.user.id },
      { reason: "rate_limited", connectionId: null, actorUserId: who.user.id },
    ]);
  });

  it("a batch counts once per message: a batch that would pass the limit is refused whole", async () => {
    const limits = { perToken: 6, perUser: 100 };
    const on = instance(limits);
    const who = await connectedUser({ upstreamUrl: fixture.url, allowedTools: ["echo"] });
    await freshWindow();
    const post = (body: unknown, sessionId?: string) => webPost(on, who, body, sessionId);
    const opened = await post({
      ...INITIALIZE,
      params: { ...INITIALIZE.params, protocolVersion: "2025-03-26" },
    });
    const sessionId = opened.headers.get("mcp-session-id") as string;
    await opened.text();
    expect((await post({ jsonrpc: "2.0", method: "notifications/initialized" }, sessionId)).status).toBe(202);
    const echo = (id: number) => ({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name: "echo", arguments: { message: `m${id}` } },
    });
    // counts 3–6 of 6
    const admitted = await post([echo(1), echo(2), echo(3), echo(4)], sessionId);
    expect(admitted.status).toBe(200);
    await admitted.text();
    const before = fixture.received.length;
    const refused = await post([echo(5), echo(6)], sessionId);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { data: { reason: "rate_limited" } } });
    expect(fixture.received.length).toBe(before);
  });

  it("concurrent requests well under the limit are all admitted (no reserved counts are lost)", async () => {
    const limits = { perToken: 1_000, perUser: 2_000 };
    const on = instance(limits);
    const who = await connectedUser({ upstreamUrl: fixture.url });
    await freshWindow();
    const opened = await initialize(on, who.publicId, who.token);
    const sessionId = opened.headers.get("mcp-session-id") as string;
    await opened.text();
    const statuses: number[] = [];
    // 300 requests in waves of 30 concurrent ones: each wave's misses must not strand a lease each.
    for (let wave = 0; wave < 10; wave++) {
      const responses = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          webPost(on, who, { jsonrpc: "2.0", id: wave * 30 + i, method: "ping" }, sessionId),
        ),
      );
      for (const response of responses) {
        statuses.push(response.status);
        await response.text();
      }
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });

  it("per user: the user's tokens share one budget", async () => {
    const limits = { perToken: 100, perUser: 3 };
    const [a, b] = [instance(limits), instance(limits)];
    const who = await connectedUser({ upstreamUrl: fixture.url });
    const second = await issueApiToken({
      db: db(),
      userId: who.user.id,
      name: "second",
      scopes: [{ connectionId: who.connectionId }],
      context: {},
    });
    await freshWindow();
    const statuses: number[] = [];
    for (const [on, token] of [
      [a, who.token],
      [b, second.token],
      [a, second.token],
      [b, who.token],
      [a, second.token],
    ] as const) {
      const response = await initialize(on, who.publicId, token);
      statuses.push(response.status);
      await response.text();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });
});
