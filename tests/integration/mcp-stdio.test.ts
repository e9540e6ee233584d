import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/server/db";
import type { Prisma } from "@/server/db/generated/client";
import { EGRESS_ENV } from "@/server/mcp/stdio/sandbox";
import { runningStdioProcesses } from "@/server/mcp/stdio/supervisor";
import { reapIdleChannels } from "@/server/mcp/upstream/channel";
import type { ConfigField } from "@/server/services/servers/config-fields";
import { EVERYTHING_ENTRY, EVERYTHING_TEMPLATE } from "../fixtures/everything-server";
import { connectedUser, type GatewayPath, routeHandlerPath, useHandler } from "../fixtures/mcp-gateway";
import { isAlive, textOf, waitUntil } from "./helpers/polling";

/**
 * The stdio runner (PROTOCOL X2) behind the proxy, with server-everything's stdio mode as the
 * server: the official SDK client through the gateway, the process's scrubbed environment (its
 * get-env tool), kill on DELETE and on idle, caps, crash restart, spawn audit.
 *
 * The allow-list is injected: a test-only template `node <server-everything entry> {package}`
 * whose "package" is the mode argument "stdio". It still goes through matchCommandTemplate.
 */
const MAX_PER_USER = 2;

const FIELDS: ConfigField[] = [
  {
    name: "SHARED_VALUE",
    label: "Shared",
    description: "",
    secret: false,
    required: false,
    default: null,
    choices: null,
    target: "env",
    perUser: false,
  },
  {
    name: "USER_VALUE",
    label: "Mine",
    description: "",
    secret: false,
    required: false,
    default: null,
    choices: null,
    target: "env",
    perUser: true,
  },
];

let gateway: GatewayPath;

beforeAll(async () => {
  useHandler({
    stdio: { templates: async () => [EVERYTHING_TEMPLATE], maxPerUser: MAX_PER_USER, backoffBaseMs: 100 },
  });
  gateway = await routeHandlerPath();
});

afterAll(async () => {
  await Promise.all([...runningStdioProcesses()].map((p) => p.kill("test end")));
});

async function stdioUser() {
  const world = await connectedUser({ upstreamUrl: "http://127.0.0.1:9/", transport: "STDIO" });
  await db().serverVersion.update({
    where: { id: world.server.versionId },
    data: {
      command: "node",
      args: [EVERYTHING_ENTRY, "stdio"],
      configSchema: FIELDS as unknown as Prisma.InputJsonValue,
      sharedConfig: { SHARED_VALUE: "from-publisher" },
    },
  });
  await db().connection.update({
    where: { id: world.connectionId },
    data: { config: { USER_VALUE: "from-user" } },
  });
  return world;
}

async function connect(world: Awaited<ReturnType<typeof stdioUser>>) {
  const client = new Client({ name: "stdio-test-agent", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(gateway.urlFor(world.publicId)), {
    requestInit: { headers: { authorization: `Bearer ${world.token}` } },
    fetch: gateway.fetch,
  });
  await client.connect(transport);
  return { client, transport };
}

function pidsOf(connectionId: string): number[] {
  return [...runningStdioProcesses()].filter((p) => p.connectionId === connectionId).map((p) => p.pid);
}

describe("stdio servers through the proxy", () => {
  it("relays tools/list and tools/call, with a scrubbed environment, and audits the spawn", async () => {
    const world = await stdioUser();
    const { client, transport } = await connect(world);
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toContain("echo");
    expect(textOf(await client.callTool({ name: "echo", arguments: { message: "hi" } }))).toBe("Echo: hi");

    const env = JSON.parse(textOf(await client.callTool({ name: "get-env", arguments: {} }))) as Record<
      string,
      string
    >;
    // Nothing of the gateway's; the egress proxy's address (GATEHOUSE_STDIO_NETWORK "guarded")
    expect(Object.keys(env).sort()).toEqual(
      ["HOME", "LANG", "PATH", "SHARED_VALUE", "USER_VALUE", ...Object.keys(EGRESS_ENV)].sort(),
    );
    expect(env).toMatchObject({ SHARED_VALUE: "from-publisher", USER_VALUE: "from-user", LANG: "C.UTF-8" });
    expect(env.HOME).toMatch(/gatehouse-stdio-/);
    expect(process.env.DATABASE_URL).toBeDefined();

    const [pid] = pidsOf(world.connectionId);
    expect(pid).toBeGreaterThan(0);
    // resource limits (prlimit): CPU seconds, address space, open files
    const limits = readFileSync(`/proc/${pid}/limits`, "utf8");
    expect(limits).toMatch(/Max cpu time\s+3600\s+3600/);
    expect(limits).toMatch(new RegExp(`Max address space\\s+${4 * 1024 ** 3}\\s+${4 * 1024 ** 3}`));
    expect(limits).toMatch(/Max open files\s+1024\s+1024/);
    expect(limits).toMatch(new RegExp(`Max file size\\s+${1024 ** 3}\\s+${1024 ** 3}`));
    // its own process group (killed as a group)
    expect(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[2]).toBe(String(pid));

    const spawns = await db().auditEvent.findMany({
      where: { action: "mcp.stdio.spawn", connectionId: world.connectionId },
    });
    expect(spawns).toHaveLength(1);
    expect(spawns[0]).toMatchObject({ actorUserId: world.user.id, serverId: world.server.id, outcome: "OK" });
    expect(spawns[0]?.metadata).toMatchObject({
      command: "node",
      args: [EVERYTHING_ENTRY, "stdio"],
      pid,
      network: "guarded",
    });
    expect(JSON.stringify(spawns[0]?.metadata)).not.toContain("from-user");

    // DELETE ends the process group
    await transport.terminateSession();
    await waitUntil(() => !isAlive(pid as number));
    expect(pidsOf(world.connectionId)).toEqual([]);
    await client.close();
  });

  it("reaps an idle process; the session's next call transparently gets a new one", async () => {
    const world = await stdioUser();
    const { client } = await connect(world);
    const [first] = pidsOf(world.connectionId);
    reapIdleChannels(1, Date.now() + 10);
    await waitUntil(() => !isAlive(first as number));
    // the SDK's standalone GET stream reconnects (after ~1 s): it is held open, and spawns nothing
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(pidsOf(world.connectionId)).toEqual([]);
    expect(textOf(await client.callTool({ name: "echo", arguments: { message: "again" } }))).toBe(
      "Echo: again",
    );
    expect(pidsOf(world.connectionId)).toHaveLength(1);
    const [second] = pidsOf(world.connectionId);
    expect(second).not.toBe(first);
    await client.close();
  });

  it("restarts a crashed process on the next use, after a backoff", async () => {
    const world = await stdioUser();
    const { client } = await connect(world);
    const [first] = pidsOf(world.connectionId);
    const crashedAt = Date.now();
    process.kill(first as number, "SIGKILL");
    await waitUntil(() => !isAlive(first as number));
    // the next use (this call, or the SDK's reconnecting GET stream) re-initializes the session
    expect(textOf(await client.callTool({ name: "echo", arguments: { message: "back" } }))).toBe(
      "Echo: back",
    );
    await waitUntil(() => pidsOf(world.connectionId).length === 1);
    const [second] = pidsOf(world.connectionId);
    expect(second).not.toBe(first);
    const spawns = await db().auditEvent.findMany({
      where: { action: "mcp.stdio.spawn", connectionId: world.connectionId },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
    });
    expect(spawns.length).toBeGreaterThanOrEqual(2);
    expect(spawns[0]?.metadata).toMatchObject({ pid: first });
    // backoffBaseMs is 100: no restart before it passed
    expect((spawns[1]?.occurredAt.getTime() ?? 0) - crashedAt).toBeGreaterThanOrEqual(80);
    await client.close();
  });

  it("refuses a session over the per-user cap with a clear JSON-RPC error", async () => {
    const world = await stdioUser();
    const open = [];
    for (let index = 0; index < MAX_PER_USER; index += 1) open.push(await connect(world));
    expect(pidsOf(world.connectionId)).toHaveLength(MAX_PER_USER);
    const response = await gateway.fetch(gateway.urlFor(world.publicId), {
      method: "POST",
      headers: {
        authorization: `Bearer ${world.token}`,
        accept: "application/json, text/event-stream",
        "content-type": "application/json",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
      }),
    });
    const body = await response.json();
    expect(body).toMatchObject({
      id: 1,
      error: { code: -32051, message: expect.stringContaining("limit per user") },
    });
    expect(pidsOf(world.connectionId)).toHaveLength(MAX_PER_USER);
    for (const { client } of open) await client.close();
  });
});
