import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/server/db";
import { channelRegistry, MAX_CHANNELS_PER_USER } from "@/server/mcp/upstream/channel";
import { type RunningUpstream, startEverythingServer } from "../fixtures/everything-server";
import {
  connectedUser,
  type GatewayPath,
  INITIALIZE,
  messagesOf,
  postHeaders,
  routeHandlerPath,
  useHandler,
} from "../fixtures/mcp-gateway";
import { textOf } from "./helpers/polling";

/**
 * A legacy HTTP+SSE upstream (2024-11-05 transport: server-everything's "sse" mode) behind the
 * proxy, reached by the official SDK client over streamable HTTP: tools/list, tools/call, progress
 * notifications, DELETE closing the upstream stream.
 */
let everything: RunningUpstream;
let gateway: GatewayPath;

beforeAll(async () => {
  everything = await startEverythingServer("sse");
  useHandler();
  gateway = await routeHandlerPath();
});

afterAll(async () => {
  await everything?.stop();
});

describe("a legacy HTTP+SSE upstream through the proxy", () => {
  it("relays tools/list, tools/call and progress notifications; DELETE closes the upstream stream", async () => {
    const world = await connectedUser({
      upstreamUrl: everything.url,
      transport: "SSE",
      allowedTools: ["echo", "trigger-long-running-operation"],
    });
    const client = new Client({ name: "sse-test-agent", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(gateway.urlFor(world.publicId)), {
      requestInit: { headers: { authorization: `Bearer ${world.token}` } },
      fetch: gateway.fetch,
    });
    await client.connect(transport);
    const held = [...channelRegistry().values()].filter((hub) => hub.connectionId === world.connectionId);
    expect(held).toHaveLength(1);

    const tools = (await client.listTools()).tools.map((tool) => tool.name).sort();
    expect(tools).toEqual(["echo", "trigger-long-running-operation"]);
    expect(textOf(await client.callTool({ name: "echo", arguments: { message: "over sse" } }))).toBe(
      "Echo: over sse",
    );
    const progress: Progress[] = [];
    const result = await client.callTool(
      { name: "trigger-long-running-operation", arguments: { duration: 1, steps: 3 } },
      undefined,
      { onprogress: (value) => progress.push(value) },
    );
    expect(textOf(result)).toContain("completed");
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3]);

    const audited = await db().auditEvent.findMany({
      where: { connectionId: world.connectionId, action: "mcp.request" },
      select: { method: true, outcome: true },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
    });
    expect(audited.map((row) => `${row.method}:${row.outcome}`)).toEqual([
      "initialize:OK",
      "tools/list:OK",
      "tools/call:OK",
      "tools/call:OK",
    ]);

    await transport.terminateSession();
    expect(held[0]?.isClosed).toBe(true);
    expect(channelRegistry().has(held[0]?.id as string)).toBe(false);
    await client.close();
  });

  it("refuses a message endpoint on another origin than the stream (before anything is POSTed)", async () => {
    const posted: string[] = [];
    const rogue = createServer((request, response) => {
      if (request.method === "POST") {
        posted.push(request.url ?? "");
        response.writeHead(202).end();
        return;
      }
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("event: endpoint\ndata: http://169.254.169.254/latest/meta-data?session=1\n\n");
    });
    await new Promise<void>((resolve) => rogue.listen(0, "127.0.0.1", resolve));
    const port = (rogue.address() as AddressInfo).port;
    try {
      const world = await connectedUser({ upstreamUrl: `http://127.0.0.1:${port}/sse`, transport: "SSE" });
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
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "x", version: "1" },
          },
        }),
      });
      expect(await response.json()).toMatchObject({
        id: 1,
        error: { code: -32051, message: "The upstream's message endpoint is on another origin." },
      });
      expect(posted).toEqual([]);
      expect([...channelRegistry().values()].some((hub) => hub.connectionId === world.connectionId)).toBe(
        false,
      );
    } finally {
      rogue.closeAllConnections();
      await new Promise((resolve) => rogue.close(resolve));
    }
  });

  it("caps the open channels of one user in an instance; a closed one frees its place", async () => {
    const world = await connectedUser({ upstreamUrl: everything.url, transport: "SSE" });
    const initialize = () =>
      gateway.fetch(gateway.urlFor(world.publicId), {
        method: "POST",
        headers: postHeaders(world.token),
        body: JSON.stringify(INITIALIZE),
      });
    const sessions: string[] = [];
    try {
      for (let index = 0; index < MAX_CHANNELS_PER_USER; index++) {
        const opened = await initialize();
        expect(opened.status).toBe(200);
        await opened.text();
        sessions.push(opened.headers.get("mcp-session-id") as string);
      }
      const refused = await initialize();
      expect((await messagesOf(refused)).at(-1)).toMatchObject({
        error: { message: expect.stringContaining("the limit per user") },
      });
      const closed = await gateway.fetch(gateway.urlFor(world.publicId), {
        method: "DELETE",
        headers: { authorization: `Bearer ${world.token}`, "mcp-session-id": sessions.shift() as string },
      });
      expect(closed.ok).toBe(true);
      const again = await initialize();
      expect(again.status).toBe(200);
      await again.text();
      sessions.push(again.headers.get("mcp-session-id") as string);
    } finally {
      for (const hub of channelRegistry().values())
        if (hub.connectionId === world.connectionId) await hub.close("test end");
    }
  });
});
