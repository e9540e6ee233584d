import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  type JSONRPCMessage,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  type Progress,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/server/db";
import { runningStdioProcesses } from "@/server/mcp/stdio/supervisor";
import {
  type EverythingStdio,
  type RunningUpstream,
  startEverythingServer,
  startEverythingStdio,
  type UpstreamMessage,
} from "../fixtures/everything-server";
import { startCluster } from "../fixtures/gateway-cluster";
import {
  connectedUser,
  type GatewayPath,
  routeHandlerPath,
  startFastPath,
  useHandler,
} from "../fixtures/mcp-gateway";
import { type McpFixture, startMcpFixture } from "../fixtures/mcp-upstream";

/**
 * The official SDK client through the gateway (issue 5, "Proof that is not ours"), on every path to
 * the handler: against @modelcontextprotocol/server-everything over each upstream transport
 * (streamable HTTP, stdio, legacy HTTP+SSE), and against the SDK-built fixture where a test must see
 * what reached the upstream.
 */
/** What the registry grants of server-everything's tools in these tests (get-env and others are not). */
const EVERYTHING_ALLOWED = [
  "echo",
  "get-sum",
  "toggle-simulated-logging",
  "trigger-elicitation-request",
  "trigger-long-running-operation",
  "trigger-sampling-request",
];

const UPSTREAMS = ["streamable HTTP", "stdio", "legacy SSE"] as const;
type UpstreamKind = (typeof UPSTREAMS)[number];

let httpEverything: RunningUpstream;
let sseEverything: RunningUpstream;
let stdioEverything: EverythingStdio;
let fixture: McpFixture;
const gateways: Record<string, GatewayPath> = {};

beforeAll(async () => {
  [httpEverything, sseEverything, fixture] = await Promise.all([
    startEverythingServer("streamableHttp", { record: true }),
    startEverythingServer("sse", { record: true }),
    startMcpFixture(),
  ]);
  stdioEverything = await startEverythingStdio();
  // The stdio allow-list is injected (a test-only template); the in-process paths share this handler.
  useHandler({ stdio: { templates: async () => [stdioEverything.template] } });
  gateways["fast path"] = await startFastPath();
  gateways["route handler"] = await routeHandlerPath();
  gateways["two instances"] = await startCluster({ stdioTemplates: [stdioEverything.template] });
});

afterAll(async () => {
  for (const gateway of Object.values(gateways)) await gateway.close();
  await Promise.all([...runningStdioProcesses()].map((running) => running.kill("test end")));
  await Promise.all([
    httpEverything?.stop(),
    sseEverything?.stop(),
    stdioEverything?.stop(),
    fixture?.stop(),
  ]);
});

/** A user granted server-everything over `kind`, with a connection and a token for it. */
async function everythingUser(kind: UpstreamKind, allowedTools: string[]) {
  if (kind === "stdio") {
    const world = await connectedUser({
      upstreamUrl: "http://127.0.0.1:9/",
      transport: "STDIO",
      allowedTools,
    });
    await db().serverVersion.update({
      where: { id: world.server.versionId },
      data: { command: stdioEverything.command, args: stdioEverything.args },
    });
    return world;
  }
  if (kind === "legacy SSE")
    return connectedUser({ upstreamUrl: sseEverything.url, transport: "SSE", allowedTools });
  return connectedUser({ upstreamUrl: httpEverything.url, allowedTools });
}

/** The messages that reached server-everything over `kind`, each with its upstream session. */
function receivedBy(kind: UpstreamKind): UpstreamMessage[] {
  if (kind === "stdio") return stdioEverything.received();
  return (kind === "legacy SSE" ? sseEverything : httpEverything).received();
}

type World = Awaited<ReturnType<typeof connectedUser>>;
type Connected = { client: Client; transport: StreamableHTTPClientTransport; world: World };

function transportFor(gateway: GatewayPath, world: World, sessionId?: string): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(new URL(gateway.urlFor(world.publicId)), {
    requestInit: { headers: { authorization: `Bearer ${world.token}` } },
    fetch: gateway.fetch,
    ...(sessionId !== undefined && { sessionId }),
  });
}

async function connect(
  gateway: GatewayPath,
  world: World,
  capabilities: ConstructorParameters<typeof Client>[1] = {},
): Promise<Connected> {
  const client = new Client({ name: "sdk-test-agent", version: "7.0.0" }, capabilities);
  const transport = transportFor(gateway, world);
  await client.connect(transport);
  return { client, transport, world };
}

async function connectTo(
  gateway: GatewayPath,
  upstreamUrl: string,
  allowedTools: string[],
  capabilities: ConstructorParameters<typeof Client>[1] = {},
): Promise<Connected> {
  return connect(gateway, await connectedUser({ upstreamUrl, allowedTools }), capabilities);
}

async function waitFor<T>(
  read: () => Promise<T> | T,
  accept: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function paramsOf(message: Record<string, unknown> | undefined): Record<string, unknown> {
  const params = message?.params;
  return typeof params === "object" && params !== null ? (params as Record<string, unknown>) : {};
}

describe.each(["fast path", "route handler", "two instances"])(
  "the SDK client through the %s",
  (pathName) => {
    const gateway = () => gateways[pathName] as GatewayPath;

    describe.each(UPSTREAMS)("against server-everything over %s", (kind) => {
      let session: Connected;
      const logs: unknown[] = [];

      beforeAll(async () => {
        session = await connect(gateway(), await everythingUser(kind, EVERYTHING_ALLOWED), {
          capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
        });
        session.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
          logs.push(notification.params);
        });
        session.client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
          model: "test-model",
          role: "assistant",
          content: { type: "text", text: `sampled: ${JSON.stringify(request.params.messages[0]?.content)}` },
        }));
        session.client.setRequestHandler(ElicitRequestSchema, async () => ({
          action: "accept",
          content: { name: "Ada Lovelace", check: true, email: "ada@example.test" },
        }));
        session.client.setRequestHandler(ListRootsRequestSchema, async () => ({
          roots: [{ uri: "file:///work", name: "work" }],
        }));
      });

      afterAll(async () => {
        // DELETE ends the upstream session (or kills the stdio process / closes the SSE stream).
        await session?.transport.terminateSession().catch(() => undefined);
        await session?.client.close();
      });

      it("negotiates the latest version and reports the upstream's server info", () => {
        expect(session.client.getServerVersion()?.name).toBe("mcp-servers/everything");
        expect(session.client.getServerCapabilities()?.tools).toBeDefined();
      });

      it("lists exactly the tools the registry allows that the upstream offers", async () => {
        // server-everything registers its capability-dependent tools right after initialization.
        const names = await waitFor(
          async () => (await session.client.listTools()).tools.map((tool) => tool.name).sort(),
          (list) => list.length === EVERYTHING_ALLOWED.length,
        );
        expect(names).toEqual(EVERYTHING_ALLOWED);
      });

      it("calls echo and get-sum", async () => {
        expect(
          await session.client.callTool({ name: "echo", arguments: { message: "through the gate" } }),
        ).toMatchObject({
          content: [{ type: "text", text: "Echo: through the gate" }],
        });
        const sum = await session.client.callTool({ name: "get-sum", arguments: { a: 19, b: 23 } });
        expect(JSON.stringify(sum.content)).toContain("42");
      });

      it("refuses a tool outside the allow-list with a JSON-RPC error naming the reason", async () => {
        const error = await session.client.callTool({ name: "get-env", arguments: {} }).then(
          () => null,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(McpError);
        expect((error as McpError).code).toBe(-32003);
        expect((error as McpError).message).toContain('The tool "get-env" is not allowed');
        expect((error as McpError).data).toEqual({ reason: "tool_not_allowed", tool: "get-env" });
      });

      it("relays prompts and resources", async () => {
        const prompts = await session.client.listPrompts();
        expect(prompts.prompts.map((prompt) => prompt.name)).toContain("simple-prompt");
        const prompt = await session.client.getPrompt({ name: "simple-prompt" });
        expect(prompt.messages[0]?.content).toEqual({
          type: "text",
          text: "This is a simple prompt without arguments.",
        });
        const resources = await session.client.listResources();
        const first = resources.resources[0];
        expect(first?.uri).toMatch(/^demo:\/\//);
        const read = await session.client.readResource({ uri: first?.uri as string });
        expect(read.contents[0]?.uri).toBe(first?.uri);
      });

      it("relays progress notifications of a long-running call", async () => {
        const progress: Progress[] = [];
        const result = await session.client.callTool(
          { name: "trigger-long-running-operation", arguments: { duration: 0.3, steps: 3 } },
          undefined,
          { onprogress: (update) => progress.push(update) },
        );
        expect(JSON.stringify(result.content)).toContain("Long running operation completed");
        expect(progress.map((update) => update.progress)).toEqual([1, 2, 3]);
      });

      it("relays log messages and a roots request on the standalone GET stream", async () => {
        // server-everything asks the agent for its roots (a server-initiated request on the GET stream)
        // and logs how many it got: the answer went back to the upstream. It first asks 350 ms after
        // initialization and drops that request when no GET stream is open yet (a race with the
        // agent's GET through the gateway, lost now and then on two instances of a loaded machine),
        // so the agent announces a change of its roots, which makes it ask again.
        await session.client.sendRootsListChanged();
        const rootsLog = await waitFor(
          () => logs.map((entry) => JSON.stringify(entry)).find((text) => text.includes("Roots updated")),
          (found) => found !== undefined,
        );
        expect(rootsLog).toContain("Roots updated: 1 root(s) received from client");
        await session.client.setLoggingLevel("debug");
        await session.client.callTool({ name: "toggle-simulated-logging", arguments: {} });
        const simulated = await waitFor(
          () => logs.filter((entry) => /-level message|level-message/.test(JSON.stringify(entry))).length,
          (count) => count > 0,
        );
        await session.client.callTool({ name: "toggle-simulated-logging", arguments: {} });
        expect(simulated).toBeGreaterThan(0);
      });

      it("relays a sampling request to the agent and its answer back to the upstream request", async () => {
        const result = await session.client.callTool({
          name: "trigger-sampling-request",
          arguments: { prompt: "what is a gateway?", maxTokens: 20 },
        });
        const text = JSON.stringify(result.content);
        expect(text).toContain("test-model");
        expect(text).toContain("what is a gateway?");
      });

      it("relays an elicitation request and the user's answer", async () => {
        const result = await session.client.callTool({ name: "trigger-elicitation-request", arguments: {} });
        const text = JSON.stringify(result.content);
        expect(text).toContain("Ada Lovelace");
        expect(text).toContain("accept");
      });

      it("relays the agent's cancellation to the upstream, naming the upstream's request id, and audits it", async () => {
        const tag = randomUUID();
        const reason = `the agent gave up (${tag})`;
        const abort = new AbortController();
        const call = session.client.callTool(
          {
            name: "trigger-long-running-operation",
            arguments: { duration: 0.5, steps: 5 },
            _meta: { "gatehouse.test/tag": tag },
          },
          undefined,
          // Cancelled once the upstream is surely working on it (its first progress arrived).
          { signal: abort.signal, onprogress: () => abort.abort(reason) },
        );
        await expect(call).rejects.toThrow(reason);

        const cancelled = await waitFor(
          () =>
            receivedBy(kind).find(
              ({ message }) =>
                message.method === "notifications/cancelled" && paramsOf(message).reason === reason,
            ),
          (found) => found !== undefined,
        );
        const called = receivedBy(kind).find(
          ({ message }) =>
            message.method === "tools/call" &&
            (paramsOf(message)._meta as Record<string, unknown> | undefined)?.["gatehouse.test/tag"] === tag,
        );
        expect(called).toBeDefined();
        expect(cancelled?.session).toBe(called?.session);
        expect(paramsOf(cancelled?.message).requestId).toEqual(called?.message.id);

        const audited = await waitFor(
          () =>
            db().auditEvent.findMany({
              where: {
                connectionId: session.world.connectionId,
                action: "mcp.notification",
                method: "notifications/cancelled",
              },
            }),
          (rows) => rows.length > 0,
        );
        expect(audited).toHaveLength(1);
        expect(audited[0]).toMatchObject({ outcome: "OK", actorUserId: session.world.user.id });

        // The relay waiting for the cancelled call's answer (which never comes) ends at once, on
        // whichever instance holds it, and the call is audited as cancelled.
        const cancelledCall = await waitFor(
          () =>
            db().auditEvent.findFirst({
              where: {
                connectionId: session.world.connectionId,
                action: "mcp.request",
                method: "tools/call",
                subject: "trigger-long-running-operation",
                outcome: "CANCELLED",
              },
              orderBy: { occurredAt: "desc" },
            }),
          (row) => row !== null,
        );
        expect(cancelledCall).toMatchObject({ reason: "cancelled by the agent" });
      });
    });

    // A streamable HTTP upstream with an event store makes its streams resumable itself: the agent's
    // Last-Event-ID names the upstream's event. stdio processes and legacy SSE streams send no event
    // ids: the gateway keeps those streams' events (server/mcp/event-log.ts) and replays them, after
    // the call ended or while it still runs (on two instances, the instance relaying it may not be
    // the one the agent resumes on).
    describe.each([
      ["streamable HTTP", "after the call ended"],
      ["stdio", "after the call ended"],
      ["stdio", "while the call still runs"],
      ["legacy SSE", "while the call still runs"],
    ] as const)("resuming a call on a %s upstream %s", (kind, when) => {
      it("replays the rest of a long-running call to a new connection after the agent's connection dropped", async () => {
        const world = await everythingUser(kind, ["trigger-long-running-operation"]);
        const request = {
          method: "tools/call",
          params: {
            name: "trigger-long-running-operation",
            arguments: { duration: when === "after the call ended" ? 0.9 : 2.4, steps: 3 },
          },
        } as const;
        const first = new Client({ name: "sdk-test-agent", version: "7.0.0" });
        const dropped = transportFor(gateway(), world);
        await first.connect(dropped);
        let resumptionToken: string | undefined;
        const before: number[] = [];
        const firstProgress = new Promise<void>((resolve) => {
          void first
            .request(request, CallToolResultSchema, {
              onresumptiontoken: (token) => {
                resumptionToken = token;
              },
              onprogress: (update) => {
                before.push(update.progress);
                resolve();
              },
            })
            .catch(() => undefined);
        });
        await firstProgress;
        const { sessionId, protocolVersion } = dropped;
        await dropped.close();
        expect(before[0]).toBe(1);
        expect(resumptionToken).toBeDefined();
        // Upstream event ids (u…) where the upstream offers resumption, the gateway's (g…) where not.
        expect(resumptionToken?.[0]).toBe(kind === "streamable HTTP" ? "u" : "g");

        const answerCount = () =>
          db().auditEvent.count({
            where: { connectionId: world.connectionId, method: "tools/call", outcome: "OK" },
          });
        if (when === "after the call ended") {
          // The gateway reads the upstream's answer to the end without the agent and audits it: by
          // then every event of the call is stored (by the upstream, or by the gateway).
          expect(await waitFor(answerCount, (count) => count > 0)).toBe(1);
        } else {
          // Still running: the resumed stream replays what was missed, then follows the call.
          expect(await answerCount()).toBe(0);
        }

        const resumed = new Client({ name: "sdk-test-agent", version: "7.0.0" });
        const transport = transportFor(gateway(), world, sessionId);
        // What an agent sends after initialization: the session's negotiated version.
        if (protocolVersion !== undefined) transport.setProtocolVersion(protocolVersion);
        // With a session id, connect() skips initialize: the same session goes on on a new connection.
        await resumed.connect(transport);
        // The replayed progress names the first client's progress token, which this client never
        // issued, so the messages are observed as they arrive on the transport.
        const arrived: JSONRPCMessage[] = [];
        const deliver = transport.onmessage;
        transport.onmessage = (message) => {
          arrived.push(message);
          deliver?.(message);
        };
        const result = await resumed.request(request, CallToolResultSchema, {
          resumptionToken,
          timeout: 10_000,
        });
        expect(JSON.stringify(result.content)).toContain("Long running operation completed");
        const progress = arrived
          .filter((message) => "method" in message && message.method === "notifications/progress")
          .map((message) => paramsOf(message as Record<string, unknown>).progress);
        // Whatever the first connection did not get, and nothing it got (a loaded machine may have
        // delivered more than the first progress before the drop).
        expect([...before, ...progress]).toEqual([1, 2, 3]);
        expect(progress.length).toBeGreaterThan(0);
        await transport.terminateSession();
        await resumed.close();
        await first.close();
      });
    });

    describe("against the fixture upstream", () => {
      it("never calls the upstream for a denied tool, and audits the denial", async () => {
        const { client, world } = await connectTo(gateway(), fixture.url, ["echo"]);
        const before = fixture.toolCalls("secret");
        await expect(client.callTool({ name: "secret", arguments: {} })).rejects.toThrow(/not allowed/);
        expect(fixture.toolCalls("secret")).toBe(before);
        const denial = await db().auditEvent.findFirstOrThrow({
          where: { connectionId: world.connectionId, action: "mcp.request", outcome: "DENIED" },
        });
        expect(denial).toMatchObject({
          method: "tools/call",
          subject: "secret",
          reason: "tool_not_allowed",
          actorUserId: world.user.id,
        });
        await client.close();
      });

      it("narrows the allow-list further by the token's tools", async () => {
        const world = await connectedUser({
          upstreamUrl: fixture.url,
          allowedTools: ["echo", "add"],
          scopes: ({ connectionId }) => [{ connectionId, tools: ["add"] }],
        });
        const client = new Client({ name: "scoped-agent", version: "1.0.0" });
        await client.connect(
          new StreamableHTTPClientTransport(new URL(gateway().urlFor(world.publicId)), {
            requestInit: { headers: { authorization: `Bearer ${world.token}` } },
            fetch: gateway().fetch,
          }),
        );
        expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(["add"]);
        const error = await client
          .callTool({ name: "echo", arguments: { message: "x" } })
          .catch((caught: unknown) => caught);
        expect((error as McpError).message).toContain("this token's scope does not include it");
        const secret = await client
          .callTool({ name: "secret", arguments: {} })
          .catch((caught: unknown) => caught);
        expect((secret as McpError).message).toContain(
          "the registry that grants you this server does not include it",
        );
        await client.close();
      });

      it("relays progress and logging on the call's own stream, and sampling and elicitation answers to the right request", async () => {
        const { client } = await connectTo(gateway(), fixture.url, [], {
          capabilities: { sampling: {}, elicitation: { form: {} } },
        });
        const logs: string[] = [];
        client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
          logs.push(String(notification.params.data));
        });
        client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
          model: "m",
          role: "assistant",
          content: {
            type: "text",
            text: `re: ${(request.params.messages[0]?.content as { text?: string } | undefined)?.text}`,
          },
        }));
        client.setRequestHandler(ElicitRequestSchema, async () => ({
          action: "accept",
          content: { name: "Grace" },
        }));
        const progress: number[] = [];
        const done = await client.callTool({ name: "progress", arguments: { steps: 3 } }, undefined, {
          onprogress: (update) => progress.push(update.progress),
        });
        expect(done.content).toEqual([{ type: "text", text: "done in 3 steps" }]);
        expect(progress).toEqual([1, 2, 3]);
        expect(logs).toEqual(["step 1", "step 2", "step 3"]);
        // Two calls at once: each server-initiated request and its answer stay with their own call.
        const [sampled, elicited] = await Promise.all([
          client.callTool({ name: "sample", arguments: { prompt: "ping" } }),
          client.callTool({ name: "elicit", arguments: {} }),
        ]);
        expect(sampled.content).toEqual([{ type: "text", text: "model said: re: ping" }]);
        expect(elicited.content).toEqual([{ type: "text", text: 'accept: {"name":"Grace"}' }]);
        await client.close();
      });
    });
  },
);
