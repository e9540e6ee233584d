import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import {
  createDatabase,
  deleteRedisKeys,
  dropDatabase,
  randomRedisPrefix,
  TEST_REDIS_URL,
} from "@/tests/integration/helpers/test-database";

/**
 * A throwaway Gatehouse for the conformance run and the benchmark: a per-run PostgreSQL database
 * (migrated) and Redis key prefix on the machine's services, like the integration global setup, a
 * user with an approved server at `upstreamUrl` (host allowed), a registry grant, a connection and
 * an API token. `cleanup` drops the database and the keys.
 *
 * Call `prepareGatehouseEnv` before anything imports server code that reads env().
 */
export type GatehouseEnv = { databaseName: string; redisKeyPrefix: string; vars: Record<string, string> };

export async function prepareGatehouseEnv(publicUrl: string): Promise<GatehouseEnv> {
  const { migrate } = await import("@/server/db/migrate");
  const database = await createDatabase("gatehouse_run");
  await migrate(database.url);
  const redisKeyPrefix = randomRedisPrefix("run");
  const vars = {
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: redisKeyPrefix,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    GATEHOUSE_DATA_DIR: "/nonexistent/gatehouse-run-data",
    GATEHOUSE_PUBLIC_URL: publicUrl,
    // On, as in production, but far above what one run sends (a minute at 64 sessions stays well
    // under it): what is measured is their cost (leased counts, rate-limit.ts), never a refusal.
    GATEHOUSE_MCP_RATE_LIMIT_PER_TOKEN: "1000000",
    GATEHOUSE_MCP_RATE_LIMIT_PER_USER: "1000000",
    // The 2,000-stream phase holds them all for one user (8 per session).
    GATEHOUSE_MCP_STREAMS_PER_USER: "1000000",
    // The 10,000-session phase holds them all for one user, past the default cap of 1,000.
    GATEHOUSE_MCP_SESSIONS_PER_USER: "100000",
    LOG_LEVEL: "error",
    NODE_ENV: "production",
  };
  Object.assign(process.env, vars);
  return { databaseName: database.name, redisKeyPrefix, vars };
}

export async function cleanupGatehouseEnv(prepared: GatehouseEnv): Promise<void> {
  await dropDatabase(prepared.databaseName).catch(() => undefined);
  await deleteRedisKeys(prepared.redisKeyPrefix).catch(() => undefined);
}

/** A connected user (see tests/fixtures/mcp-gateway.ts connectedUser): publicId and token. */
export async function seedConnection(upstreamUrl: string): Promise<{ publicId: string; token: string }> {
  const { connectedUser } = await import("@/tests/fixtures/mcp-gateway");
  const seeded = await connectedUser({ upstreamUrl });
  return { publicId: seeded.publicId, token: seeded.token };
}

export type Listening = { server: Server; port: number; close: () => Promise<void> };

export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port = 0,
): Promise<Listening> {
  const server = createServer({ keepAliveTimeout: 60_000 }, handler);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The fast path: the production front itself (server/http/server.ts: request id, client address,
 * forwarding-header scrubbing, access log and metrics, then the node adapter), with no page server
 * behind it (nothing on /mcp/* touches Next).
 */
export async function startFastPath(port = 0): Promise<Listening> {
  const { startMcpFront } = await import("@/tests/fixtures/mcp-gateway");
  const front = await startMcpFront(port);
  return { server: front.server, port: (front.server.address() as AddressInfo).port, close: front.close };
}

type RouteModule = Partial<Record<string, (request: Request) => Promise<Response>>>;

/**
 * The route-handler path: app/mcp/[publicId]/route.ts's exports called with a Web Request built
 * from a node:http request (what Next's node server does for an App Router route, minus Next's own
 * routing and rendering machinery), the Response streamed back.
 */
export async function startRouteHandlerPath(port = 0): Promise<Listening> {
  const route = (await import("@/app/mcp/[publicId]/route")) as unknown as RouteModule;
  return listen((req, res) => {
    void (async () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined || name.startsWith("x-gatehouse-")) continue;
        headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      headers.set("x-gatehouse-client-ip", req.socket.remoteAddress ?? "");
      headers.set("x-request-id", randomUUID());
      const abort = new AbortController();
      res.once("close", () => {
        if (!res.writableFinished) abort.abort();
      });
      const method = req.method ?? "GET";
      const hasBody = method !== "GET" && method !== "HEAD";
      const request = new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, {
        method,
        headers,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream) : null,
        signal: abort.signal,
        ...(hasBody && { duplex: "half" }),
      } as RequestInit);
      const handler = route[method];
      const response = handler ? await handler(request) : new Response(null, { status: 405 });
      res.statusCode = response.status;
      response.headers.forEach((value, name) => {
        res.setHeader(name, value);
      });
      if (!response.body) {
        res.end();
        return;
      }
      res.flushHeaders();
      const reader = response.body.getReader();
      abort.signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined));
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!res.write(value)) await new Promise((resolve) => res.once("drain", resolve));
      }
      res.end();
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  }, port);
}
