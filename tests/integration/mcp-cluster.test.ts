import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appKeyring } from "@/server/crypto/keyring";
import { db } from "@/server/db";
import { runnerSecret } from "@/server/mcp/runner/channel-runner";
import { redis, redisKey } from "@/server/redis";
import {
  EVERYTHING_ENTRY,
  EVERYTHING_TEMPLATE,
  type RunningUpstream,
  startEverythingServer,
} from "../fixtures/everything-server";
import { type ClusterPath, startCluster } from "../fixtures/gateway-cluster";
import { connectedUser, INITIALIZE, postHeaders } from "../fixtures/mcp-gateway";
import { isAlive, textOf, waitUntil } from "./helpers/polling";

/**
 * What only a cluster can show (issue 5: "for stdio upstreams, the process lives in a runner that
 * other instances reach"): two instances in their own processes behind a round-robin forwarder, so
 * consecutive requests of a session alternate between them. The shared proxy suites
 * (mcp-proxy-{protocol,sdk,upstream}.test.ts) run on this path too; this file adds the upstreams
 * whose connection lives in one process — a stdio process, a legacy SSE stream — and shows that one
 * process / one stream serves the whole session from both instances (one spawn, no re-initialize),
 * with progress routed back, and that the runner refuses anyone without the installation's secret.
 */

let cluster: ClusterPath;
let sseUpstream: RunningUpstream;

beforeAll(async () => {
  [cluster, sseUpstream] = await Promise.all([
    startCluster({ stdioTemplates: [EVERYTHING_TEMPLATE], stdioCaps: { maxPerUser: 1 } }),
    startEverythingServer("sse"),
  ]);
});

afterAll(async () => {
  await cluster?.close();
  await sseUpstream?.stop();
});

async function connect(world: { publicId: string; token: string }) {
  const client = new Client({ name: "cluster-test-agent", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(cluster.urlFor(world.publicId)), {
    requestInit: { headers: { authorization: `Bearer ${world.token}` } },
  });
  await client.connect(transport);
  return { client, transport };
}

/** Several calls and a progress-reporting one, alternating between the instances; returns the progress seen. */
async function exercise(client: Client): Promise<Progress[]> {
  const tools = (await client.listTools()).tools.map((tool) => tool.name).sort();
  expect(tools).toEqual(["echo", "trigger-long-running-operation"]);
  for (const message of ["one", "two", "three", "four"])
    expect(textOf(await client.callTool({ name: "echo", arguments: { message } }))).toBe(`Echo: ${message}`);
  const progress: Progress[] = [];
  const result = await client.callTool(
    { name: "trigger-long-running-operation", arguments: { duration: 1, steps: 3 } },
    undefined,
    { onprogress: (value) => progress.push(value) },
  );
  expect(textOf(result)).toContain("completed");
  return progress;
}

async function requestLog(connectionId: string) {
  const rows = await db().auditEvent.findMany({
    where: { connectionId, action: "mcp.request" },
    select: { method: true, outcome: true, metadata: true },
    orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
  });
  return rows.map((row) => ({
    call: `${row.method}:${row.outcome}`,
    byGateway: (row.metadata as { gatewayInitiated?: boolean } | null)?.gatewayInitiated === true,
  }));
}

const EXPECTED_LOG = ["initialize:OK", "tools/list:OK", ...Array(4).fill("tools/call:OK"), "tools/call:OK"];

describe("two instances behind a round-robin forwarder", () => {
  async function stdioUser() {
    const world = await connectedUser({
      upstreamUrl: "http://127.0.0.1:9/",
      transport: "STDIO",
      allowedTools: ["echo", "trigger-long-running-operation"],
    });
    await db().serverVersion.update({
      where: { id: world.server.versionId },
      data: { command: "node", args: [EVERYTHING_ENTRY, "stdio"] },
    });
    return world;
  }

  it("a stdio process lives in one instance and serves the whole session from both", async () => {
    const world = await stdioUser();
    const servedBefore = cluster.served();
    const { client, transport } = await connect(world);
    const progress = await exercise(client);
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3]);

    const served = cluster.served();
    expect(served.every((count, index) => count > (servedBefore[index] ?? 0))).toBe(true);
    // One process for the session: spawned once, never re-initialized by either instance.
    const spawns = await db().auditEvent.findMany({
      where: { connectionId: world.connectionId, action: "mcp.stdio.spawn" },
      select: { metadata: true },
    });
    expect(spawns).toHaveLength(1);
    const log = await requestLog(world.connectionId);
    expect(log.map((entry) => entry.call)).toEqual(EXPECTED_LOG);
    expect(log.some((entry) => entry.byGateway)).toBe(false);

    // DELETE, wherever it lands, ends the process in the instance that runs it.
    const pid = (spawns[0]?.metadata as { pid: number } | undefined)?.pid ?? -1;
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(true);
    await transport.terminateSession();
    await waitUntil(() => !isAlive(pid));
    await client.close();
  });

  it("a legacy SSE upstream stream lives in one instance and serves the whole session from both", async () => {
    const world = await connectedUser({
      upstreamUrl: sseUpstream.url,
      transport: "SSE",
      allowedTools: ["echo", "trigger-long-running-operation"],
    });
    const { client, transport } = await connect(world);
    const progress = await exercise(client);
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3]);
    const log = await requestLog(world.connectionId);
    expect(log.map((entry) => entry.call)).toEqual(EXPECTED_LOG);
    expect(log.some((entry) => entry.byGateway)).toBe(false);
    await transport.terminateSession();
    await client.close();
  });

  it("the per-user cap on stdio processes holds across instances, and a freed slot is reusable", async () => {
    const world = await stdioUser();
    const initialize = () =>
      fetch(cluster.urlFor(world.publicId), {
        method: "POST",
        headers: postHeaders(world.token),
        body: JSON.stringify(INITIALIZE),
      });
    // Back to back, so the two initializes land on different instances (each would allow one).
    const first = await initialize();
    const second = await initialize();
    expect(first.status).toBe(200);
    const refused = await second.json();
    expect(refused.error.message).toMatch(/limit per user/);
    const sessionId = first.headers.get("mcp-session-id") as string;
    await first.text();
    const ended = await fetch(cluster.urlFor(world.publicId), {
      method: "DELETE",
      headers: { authorization: `Bearer ${world.token}`, "mcp-session-id": sessionId },
    });
    expect(ended.status).toBeLessThan(300);
    // The process's exit gives its slot back, wherever it ran.
    await waitUntil(async () => (await initialize()).status === 200);
  });

  it("each runner refuses requests without the installation's secret, and channels it does not hold", async () => {
    const ping = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
    let checked = 0;
    for (const key of await redis().keys(`${redisKey("mcp", "runner")}:*`)) {
      const url = await redis().get(key);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const channel = `${url}/channels/gh-ch-${key.split(":").at(-1)}.${"A".repeat(22)}`;
      // Other test files' processes register runners under this run's prefix too, and may be gone.
      const anonymous = await fetch(channel, {
        method: "POST",
        headers: { "x-gatehouse-connection": "any" },
        body: ping,
      }).catch(() => null);
      if (anonymous === null) continue;
      checked += 1;
      expect(anonymous.status).toBe(401);
      const guessed = await fetch(channel, {
        method: "POST",
        headers: { authorization: "Bearer guessed", "x-gatehouse-connection": "any" },
        body: ping,
      });
      expect(guessed.status).toBe(401);
      expect(await guessed.text()).not.toContain("gh-ch-");
      // The right secret still reaches only channels the runner holds, for their own connection.
      const unknown = await fetch(channel, {
        method: "POST",
        headers: { authorization: `Bearer ${runnerSecret(appKeyring())}`, "x-gatehouse-connection": "any" },
        body: ping,
      });
      expect(unknown.status).toBe(404);
      // A channel id that is not one (a broken %-escape included) is unknown too; the runner lives on.
      const odd = await fetch(`${url}/channels/gh-ch-%E0%A4%A`, {
        method: "POST",
        headers: { authorization: `Bearer ${runnerSecret(appKeyring())}`, "x-gatehouse-connection": "any" },
        body: ping,
      });
      expect(odd.status).toBe(404);
      expect((await fetch(channel, { method: "POST", body: ping })).status).toBe(401);
    }
    expect(checked).toBeGreaterThanOrEqual(1);
  });
});
