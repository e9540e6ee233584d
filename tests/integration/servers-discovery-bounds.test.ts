import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, createUser } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { MAX_ITEMS_PER_KIND } from "@/server/services/servers/capabilities";
import { checkServerHealth, stopDiscoveries } from "@/server/services/servers/check-server-health";
import { allowOutboundHosts } from "@/server/services/settings/outbound-policy";
import { STALLED_SCRIPT, STALLED_TEMPLATE } from "../fixtures/stalled-stdio";
import { isAlive, waitUntil } from "./helpers/polling";

/**
 * What one discovery may cost and what it may overwrite: paging stops at what is stored, a stdio
 * discovery has one deadline and ends with the worker, and a result that no longer describes the
 * stored definition (or the approved version) is not written over it.
 */

const PAGE_SIZE = 120;
let upstream: HttpServer;
let base: string;
let ownerId: string;
/** tools/list requests that reached /endless/mcp */
let endlessPages = 0;
/** the next tools/list on /held/mcp waits for this gate (holdNextList) */
let gate: { arrived: () => void; released: Promise<void> } | null = null;

function holdNextList(): { arrived: Promise<void>; release: () => void } {
  let arrived = () => {};
  let release = () => {};
  const arrival = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  gate = { arrived, released };
  return { arrived: arrival, release };
}

/** One page of tools, each with an outputSchema; the first one's is not one AJV can compile. */
function toolsPage(page: number) {
  return Array.from({ length: PAGE_SIZE }, (_, index) => ({
    name: `tool-${page}-${index}`,
    inputSchema: { type: "object" },
    outputSchema: { type: "object", properties: { result: { type: index === 0 ? "weather" : "string" } } },
  }));
}

/**
 * A raw JSON-RPC upstream over streamable HTTP: /endless/mcp has a next page for ever, /held/mcp
 * answers tools/list once the test releases it.
 */
async function answer(
  path: string,
  message: { id?: number; method: string; params?: Record<string, unknown> },
) {
  if (message.method === "initialize")
    return {
      protocolVersion: message.params?.protocolVersion,
      capabilities: { tools: {} },
      serverInfo: { name: "bounds-fixture", version: "1.0.0" },
    };
  if (message.method !== "tools/list") return {};
  if (path === "/endless/mcp") {
    endlessPages += 1;
    const page = Number((message.params?.cursor as string | undefined) ?? "0");
    return { tools: toolsPage(page), nextCursor: String(page + 1) };
  }
  const held = gate;
  gate = null;
  held?.arrived();
  await held?.released;
  return { tools: [{ name: "held", inputSchema: { type: "object" } }] };
}

beforeAll(async () => {
  upstream = createHttpServer((req, res) => {
    if (req.method !== "POST") return void res.writeHead(405).end();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const message = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      if (message.id === undefined) return void res.writeHead(202).end();
      const result = await answer(req.url ?? "", message);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: message.id, result }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const { port } = upstream.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  await allowOutboundHosts(db(), [`127.0.0.1:${port}`]);
  ownerId = (await createUser(db(), { role: "POWER_USER_PLUS" })).id;
});

afterAll(async () => {
  upstream?.closeAllConnections();
  upstream?.close();
  await disconnectDb();
});

/** An approved stdio server running the stalled script (a pending package is never started). */
async function stalledStdioServer() {
  const server = await createServer(db(), {
    ownerId,
    transport: "STDIO",
    command: "node",
    args: ["-e", STALLED_SCRIPT, "stalled"],
  });
  return { serverId: server.id, versionId: server.versionId };
}

async function spawnedPid(versionId: string): Promise<number | null> {
  const spawn = await db().auditEvent.findFirst({
    where: { action: "mcp.stdio.spawn", targetId: versionId },
    select: { metadata: true },
  });
  return (spawn?.metadata as { pid?: number } | undefined)?.pid ?? null;
}

describe("discovery bounds", () => {
  it("stops paging once as many tools as are kept arrived, without compiling their output schemas", async () => {
    const server = await createServer(db(), {
      ownerId,
      status: "PENDING_APPROVAL",
      url: `${base}/endless/mcp`,
    });
    const result = await checkServerHealth({ db: db(), serverId: server.id, versionId: server.versionId });
    expect(result).toMatchObject({ status: "HEALTHY" });
    expect(endlessPages).toBe(Math.ceil(MAX_ITEMS_PER_KIND / PAGE_SIZE));
    const tools = result.status === "HEALTHY" ? result.capabilities.tools : [];
    expect(tools).toHaveLength(MAX_ITEMS_PER_KIND);
    expect(tools.at(-1)?.name).toBe(`tool-4-${MAX_ITEMS_PER_KIND - 4 * PAGE_SIZE - 1}`);
  });

  it("ends a stdio discovery at its deadline and kills the process", async () => {
    const { serverId, versionId } = await stalledStdioServer();
    const started = Date.now();
    const result = await checkServerHealth({
      db: db(),
      serverId,
      versionId,
      templates: [STALLED_TEMPLATE],
      stdioDeadlineMs: 2_000,
    });
    expect(result).toMatchObject({
      status: "UNHEALTHY",
      error: "The server did not finish discovery within 2 s; its process was stopped.",
    });
    // Each request alone may take 120 s.
    expect(Date.now() - started).toBeLessThan(15_000);
    const pid = await spawnedPid(versionId);
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid ?? -1)).toBe(false);
    const stored = await db().server.findUniqueOrThrow({ where: { id: serverId } });
    expect(stored).toMatchObject({
      healthStatus: "UNHEALTHY",
      healthError: result.status === "UNHEALTHY" && result.error,
    });
  });

  it("kills a running stdio discovery when the worker stops, and records nothing for it", async () => {
    const { serverId, versionId } = await stalledStdioServer();
    const check = checkServerHealth({ db: db(), serverId, versionId, templates: [STALLED_TEMPLATE] });
    const outcome = check.then(
      () => null,
      (error: unknown) => error,
    );
    await waitUntil(async () => (await spawnedPid(versionId)) !== null, 15_000);
    const pid = (await spawnedPid(versionId)) ?? -1;
    expect(isAlive(pid)).toBe(true);

    await stopDiscoveries();
    expect(isAlive(pid)).toBe(false);
    expect(await outcome).toMatchObject({ message: "The worker stopped before discovery finished." });
    const stored = await db().server.findUniqueOrThrow({
      where: { id: serverId },
      include: { versions: true },
    });
    expect(stored).toMatchObject({ healthStatus: "UNKNOWN", healthCheckedAt: null });
    expect(stored.versions[0]).toMatchObject({ capabilities: null, discoveredAt: null });
  });

  it("writes nothing for a version whose definition changed during discovery", async () => {
    const server = await createServer(db(), {
      ownerId,
      status: "PENDING_APPROVAL",
      url: `${base}/held/mcp`,
    });
    const held = holdNextList();
    const check = checkServerHealth({ db: db(), serverId: server.id, versionId: server.versionId });
    await held.arrived;
    await db().serverVersion.update({ where: { id: server.versionId }, data: { url: `${base}/moved/mcp` } });
    held.release();

    expect(await check).toMatchObject({ status: "HEALTHY" });
    const version = await db().serverVersion.findUniqueOrThrow({ where: { id: server.versionId } });
    expect(version).toMatchObject({ url: `${base}/moved/mcp`, capabilities: null, discoveredAt: null });
  });

  it("keeps health off the server when another version was approved during discovery", async () => {
    const server = await createServer(db(), { ownerId, url: `${base}/held/mcp` });
    const held = holdNextList();
    const check = checkServerHealth({ db: db(), serverId: server.id });
    await held.arrived;
    const newer = await db().serverVersion.create({
      data: {
        serverId: server.id,
        version: "2.0.0",
        transport: "STREAMABLE_HTTP",
        url: `${base}/endless/mcp`,
        status: "APPROVED",
      },
    });
    await db().server.update({ where: { id: server.id }, data: { approvedVersionId: newer.id } });
    held.release();

    expect(await check).toMatchObject({ status: "HEALTHY", versionId: server.versionId });
    const stored = await db().server.findUniqueOrThrow({ where: { id: server.id } });
    expect(stored).toMatchObject({ healthStatus: "UNKNOWN", healthCheckedAt: null });
    // The discovery still describes the older version as it is stored.
    const older = await db().serverVersion.findUniqueOrThrow({ where: { id: server.versionId } });
    expect(older.discoveredAt).toBeInstanceOf(Date);
  });
});
