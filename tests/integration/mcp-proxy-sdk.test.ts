import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  type Progress,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/server/db";
import { type RunningUpstream, startEverythingServer } from "../fixtures/everything-server";
import { startCluster } from "../fixtures/gateway-cluster";
import { connectedUser, type GatewayPath, routeHandlerPath, startFastPath } from "../fixtures/mcp-gateway";
import { type McpFixture, startMcpFixture } from "../fixtures/mcp-upstream";

/**
 * The official SDK client through the gateway (issue 5, "Proof that is not ours"), on both paths
 * to the handler: against @modelcontextprotocol/server-everything over streamable HTTP, and against
 * the SDK-built fixture where a test must see what reached the upstream.
 */
vi.mock("next", () => ({
  default: () => ({
    prepare: async () => undefined,
    getRequestHandler: () => (_req: unknown, res: { statusCode: number; end: (body: string) => void }) => {
      res.statusCode = 404;
      res.end("not an MCP path");
    },
    close: async () => undefined,
  }),
}));

/** What the registry grants of server-everything's tools in these tests (get-env and others are not). */
const EVERYTHING_ALLOWED = [
  "echo",
  "get-sum",
  "toggle-simulated-logging",
  "trigger-elicitation-request",
  "trigger-long-running-operation",
  "trigger-sampling-request",
];

let everything: RunningUpstream;
let fixture: McpFixture;
const gateways: Record<string, GatewayPath> = {};

beforeAll(async () => {
  [everything, fixture] = await Promise.all([startEverythingServer("streamableHttp"), startMcpFixture()]);
  gateways["fast path"] = await startFastPath();
  gateways["route handler"] = await routeHandlerPath();
  gateways["two instances"] = await startCluster();
});

afterAll(async () => {
  for (const gateway of Object.values(gateways)) await gateway.close();
  await Promise.all([everything?.stop(), fixture?.stop()]);
});

type Connected = { client: Client; world: Awaited<ReturnType<typeof connectedUser>> };

async function connect(
  gateway: GatewayPath,
  upstreamUrl: string,
  allowedTools: string[],
  capabilities: ConstructorParameters<typeof Client>[1] = {},
): Promise<Connected> {
  const world = await connectedUser({ upstreamUrl, allowedTools });
  const client = new Client({ name: "sdk-test-agent", version: "7.0.0" }, capabilities);
  const transport = new StreamableHTTPClientTransport(new URL(gateway.urlFor(world.publicId)), {
    requestInit: { headers: { authorization: `Bearer ${world.token}` } },
    fetch: gateway.fetch,
  });
  await client.connect(transport);
  return { client, world };
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

describe.each(["fast path", "route handler", "two instances"])(
  "the SDK client through the %s",
  (pathName) => {
    const gateway = () => gateways[pathName] as GatewayPath;

    describe("against server-everything", () => {
      let session: Connected;
      const logs: unknown[] = [];

      beforeAll(async () => {
        session = await connect(gateway(), everything.url, EVERYTHING_ALLOWED, {
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
          { name: "trigger-long-running-operation", arguments: { duration: 0.6, steps: 3 } },
          undefined,
          { onprogress: (update) => progress.push(update) },
        );
        expect(JSON.stringify(result.content)).toContain("Long running operation completed");
        expect(progress.map((update) => update.progress)).toEqual([1, 2, 3]);
      });

      it("relays log messages and a roots request on the standalone GET stream", async () => {
        // Right after initialization server-everything asks the agent for its roots (a server-initiated
        // request on the GET stream) and logs how many it got: the answer went back to the upstream.
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
    });

    describe("against the fixture upstream", () => {
      it("never calls the upstream for a denied tool, and audits the denial", async () => {
        const { client, world } = await connect(gateway(), fixture.url, ["echo"]);
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
        const { client } = await connect(gateway(), fixture.url, [], {
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
