import { createServer as createHttpServer } from "node:http";
import { QueueEvents, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, createUser } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import {
  bullPrefix,
  closeQueues,
  enqueueAllServerChecks,
  enqueueServerCheck,
  QUEUE_NAMES,
} from "@/server/queue/queues";
import { createRedis, disconnectRedis } from "@/server/redis";
import { allowOutboundHosts } from "@/server/services/settings/outbound-policy";
import { processUpstreamHealth } from "@/workers/processors/upstream-health";
import { freePort, type RunningUpstream, startEverythingServer } from "../fixtures/everything-server";

/**
 * The queue pipeline end to end: a producer enqueues, a real BullMQ worker (the same processor the
 * worker process runs) connects to real MCP upstreams, and health plus discovered tools land in
 * PostgreSQL.
 */
describe("upstream health checks through the queue", () => {
  let streamable: RunningUpstream;
  let sse: RunningUpstream;
  let worker: Worker;
  let events: QueueEvents;

  beforeAll(async () => {
    [streamable, sse] = await Promise.all([
      startEverythingServer("streamableHttp"),
      startEverythingServer("sse"),
    ]);
    worker = new Worker(QUEUE_NAMES.upstreamHealth, processUpstreamHealth, {
      connection: createRedis("test-worker", { maxRetriesPerRequest: null, commandTimeout: undefined }),
      prefix: bullPrefix(),
      concurrency: 4,
    });
    events = new QueueEvents(QUEUE_NAMES.upstreamHealth, {
      connection: createRedis("test-events", { maxRetriesPerRequest: null, commandTimeout: undefined }),
      prefix: bullPrefix(),
    });
    await worker.waitUntilReady();
    await events.waitUntilReady();
    // Local upstreams are refused by the SSRF guard unless an admin allows them, as the demo seed does.
    await allowOutboundHosts(db(), [`127.0.0.1:${streamable.port}`, `127.0.0.1:${sse.port}`]);
  });

  afterAll(async () => {
    await worker?.close();
    await events?.close();
    await closeQueues();
    await disconnectRedis();
    await disconnectDb();
    await Promise.all([streamable?.stop(), sse?.stop()]);
  });

  async function waitForHealth(serverId: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const server = await db().server.findUniqueOrThrow({
        where: { id: serverId },
        include: { approvedVersion: true },
      });
      if (server.healthCheckedAt) return server;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`server ${serverId} was not checked within ${timeoutMs} ms`);
  }

  it("discovers tools, prompts and resources of streamable HTTP and legacy SSE upstreams", async () => {
    const owner = await createUser(db());
    const http = await createServer(db(), { ownerId: owner.id, url: streamable.url });
    const legacy = await createServer(db(), { ownerId: owner.id, transport: "SSE", url: sse.url });

    await enqueueAllServerChecks();
    const [httpChecked, sseChecked] = await Promise.all([waitForHealth(http.id), waitForHealth(legacy.id)]);

    for (const server of [httpChecked, sseChecked]) {
      expect(server.healthStatus).toBe("HEALTHY");
      expect(server.healthError).toBeNull();
      expect(server.healthLatencyMs).toBeGreaterThanOrEqual(0);
      const capabilities = server.approvedVersion?.capabilities as {
        tools: { name: string; inputSchema: unknown }[];
        prompts: { name: string }[];
        resources: { uri: string }[];
        serverInfo: { name: string };
      };
      expect(capabilities.tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(["echo", "get-sum"]),
      );
      expect(capabilities.tools.find((tool) => tool.name === "echo")?.inputSchema).toMatchObject({
        type: "object",
      });
      expect(capabilities.prompts.length).toBeGreaterThan(0);
      expect(capabilities.resources.length).toBeGreaterThan(0);
      expect(capabilities.serverInfo.name).toBeTruthy();
      expect(server.approvedVersion?.discoveredAt).toBeInstanceOf(Date);
    }
  });

  it("marks an unreachable upstream unhealthy with a readable error and keeps its old capabilities", async () => {
    const owner = await createUser(db());
    const closedPort = await freePort();
    await allowOutboundHosts(db(), [`127.0.0.1:${closedPort}`]);
    const dead = await createServer(db(), { ownerId: owner.id, url: `http://127.0.0.1:${closedPort}/mcp` });

    await enqueueServerCheck(dead.id);
    const checked = await waitForHealth(dead.id);
    expect(checked.healthStatus).toBe("UNHEALTHY");
    expect(checked.healthError).toMatch(/fetch failed|ECONNREFUSED/i);
    expect(checked.healthError?.length).toBeLessThanOrEqual(300);
    expect(checked.approvedVersion?.capabilities).toBeNull();
  });

  it("skips servers that are not approved", async () => {
    const owner = await createUser(db());
    const draft = await createServer(db(), { ownerId: owner.id, status: "DRAFT", url: streamable.url });
    const finished = new Promise<unknown>((resolve) => {
      events.on("completed", ({ returnvalue }) => {
        const value = returnvalue as unknown as { serverId?: string };
        if (value?.serverId === draft.id) resolve(value);
      });
    });
    await enqueueServerCheck(draft.id);
    expect(await finished).toMatchObject({ status: "SKIPPED", reason: "not an approved server" });
    const server = await db().server.findUniqueOrThrow({ where: { id: draft.id } });
    expect(server.healthCheckedAt).toBeNull();
  });

  it("refuses an internal upstream nobody allowed, naming why (SSRF guard)", async () => {
    const owner = await createUser(db());
    // Port 9 (discard): other test files allow 127.0.0.1 on the ephemeral ports of their fixtures,
    // and a port freePort() returns may be one of those, allowed and closed again.
    const server = await createServer(db(), { ownerId: owner.id, url: "http://127.0.0.1:9/mcp" });
    await enqueueServerCheck(server.id);
    const checked = await waitForHealth(server.id);
    expect(checked.healthStatus).toBe("UNHEALTHY");
    expect(checked.healthError).toContain(
      "127.0.0.1, a loopback address; an admin can allow this host explicitly",
    );
  });

  it("re-checks redirects: an allowed upstream cannot bounce the gateway to the metadata service", async () => {
    const redirector = createHttpServer((_req, res) => {
      res.writeHead(307, { location: "http://169.254.169.254/latest/meta-data/" }).end();
    });
    const port = await freePort();
    await new Promise<void>((resolve) => redirector.listen(port, "127.0.0.1", resolve));
    try {
      await allowOutboundHosts(db(), [`127.0.0.1:${port}`]);
      const owner = await createUser(db());
      const server = await createServer(db(), { ownerId: owner.id, url: `http://127.0.0.1:${port}/mcp` });
      await enqueueServerCheck(server.id);
      const checked = await waitForHealth(server.id);
      expect(checked.healthStatus).toBe("UNHEALTHY");
      // The MCP SDK follows same-origin redirects only, and the guarded fetch hands it the 3xx;
      // followed by the guard itself, the hop is refused too (guarded-fetch.test.ts).
      expect(checked.healthError).toContain("http://169.254.169.254/latest/meta-data/ not followed");
    } finally {
      redirector.close();
    }
  });
});
