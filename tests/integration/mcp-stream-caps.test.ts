import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/server/db";
import { createStreamRegistry } from "@/server/mcp/open-streams";
import {
  connectedUser,
  type GatewayPath,
  openSession,
  startFastPath,
  useHandler,
} from "../fixtures/mcp-gateway";
import { type McpFixture, startMcpFixture } from "../fixtures/mcp-upstream";

/**
 * Open GET streams are capped per session and per user in each process: each holds an upstream
 * connection (or a channel listener) for as long as the agent keeps it, so an agent cannot pile
 * them up until the gateway runs out of sockets. Over a cap → 429 with a JSON-RPC error, audited.
 */

let fixture: McpFixture;
let gateway: GatewayPath;

beforeAll(async () => {
  useHandler({ streams: createStreamRegistry(undefined, { perSession: 1, perUser: 2 }) });
  fixture = await startMcpFixture();
  gateway = await startFastPath();
});

afterAll(async () => {
  await gateway?.close();
  await fixture?.stop();
});

describe("caps on open GET streams", () => {
  it("refuses a stream over the session's or the user's cap, and frees the place when one closes", async () => {
    const world = await connectedUser({ upstreamUrl: fixture.url });
    const [first, second, third] = await Promise.all(
      [1, 2, 3].map(() => openSession(gateway, world.publicId, world.token)),
    );
    const held: AbortController[] = [];
    const stream = async (sessionId: string | undefined) => {
      const controller = new AbortController();
      const response = await gateway.fetch(gateway.urlFor(world.publicId), {
        headers: {
          authorization: `Bearer ${world.token}`,
          accept: "text/event-stream",
          "mcp-session-id": sessionId as string,
        },
        signal: controller.signal,
      });
      if (response.status === 200) held.push(controller);
      return response;
    };
    try {
      expect((await stream(first)).status).toBe(200);
      const sameSession = await stream(first);
      expect(sameSession.status).toBe(429);
      expect(await sameSession.json()).toMatchObject({
        error: { message: expect.stringContaining("this session"), data: { reason: "too_many_streams" } },
      });
      expect((await stream(second)).status).toBe(200);
      const overUser = await stream(third);
      expect(overUser.status).toBe(429);
      expect((await overUser.json()).error.message).toContain("this user");

      // The first stream closes: its place is free again.
      held.shift()?.abort();
      const deadline = Date.now() + 5_000;
      let again = await stream(third);
      while (again.status === 429 && Date.now() < deadline) {
        await again.text();
        await new Promise((resolve) => setTimeout(resolve, 50));
        again = await stream(third);
      }
      expect(again.status).toBe(200);

      const denials = await db().auditEvent.count({
        where: { actorUserId: world.user.id, outcome: "DENIED", reason: "too_many_streams" },
      });
      expect(denials).toBeGreaterThanOrEqual(2);
    } finally {
      for (const controller of held) controller.abort();
    }
  });
});
