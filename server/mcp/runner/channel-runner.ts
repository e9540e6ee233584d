import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { lookup } from "node:dns/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isIP } from "node:net";
import type { Keyring } from "../../crypto/envelope";
import { env } from "../../env";
import { logger } from "../../logger";
import { writeWithBackpressure } from "../adapters/backpressure";
import type { McpDeps } from "../context";
import {
  pinnedTarget,
  readAll,
  UpstreamFailure,
  type UpstreamLimits,
  type UpstreamResponse,
  upstreamRequest,
} from "../upstream/http-client";

/**
 * The channel runner: how every instance reaches the stdio processes and legacy SSE streams that
 * live in one of them (issue 5, "for stdio upstreams, the process lives in a runner that other
 * instances reach").
 *
 * Each app process is a runner for the channels it opened. It listens on an internal address
 * (GATEHOUSE_RUNNER_HOST/PORT, 127.0.0.1 and a free port by default), registers that address in
 * Redis under its runner id (refreshed while it lives, gone within a minute after it dies), and
 * names its channels `gh-ch-<runnerId>.<random>`. An instance serving a request whose session's
 * channel lives elsewhere forwards the message to that runner, which answers in the shape of the
 * streamable-HTTP connector (202, or 200 with an SSE stream ending in the response, or 404 when the
 * channel is gone, which the caller answers by re-initializing the upstream transparently).
 *
 * The runner is a data plane behind the policy: every message it receives was authenticated,
 * authorized and is audited by the instance that forwarded it. Requests to it carry a secret derived
 * from the installation's encryption key (every instance has it, nothing else does); the channel's
 * connection id must match too. Keep the runner port on a private network: messages cross it in
 * plain HTTP.
 */

const CHANNEL_ID_RE = /^gh-ch-([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{22}$/;
const REGISTRATION_TTL_MS = 60_000;
const REFRESH_MS = 20_000;
const LOOKUP_CACHE_MS = 5_000;

export const RUNNER_HEADERS = {
  connection: "x-gatehouse-connection",
  session: "x-gatehouse-session",
  failure: "x-gatehouse-failure",
} as const;

/** What the runner's HTTP front asks of the channel layer (server/mcp/upstream/channel.ts). */
export type RunnerChannels = {
  post: (
    channelId: string,
    connectionId: string,
    sessionId: string | null,
    body: string,
  ) => Promise<UpstreamResponse>;
  listen: (
    channelId: string,
    connectionId: string,
    sessionId: string | null,
    signal: AbortSignal,
  ) => Promise<UpstreamResponse>;
  close: (channelId: string, connectionId: string) => Promise<boolean>;
};

export type ChannelRunner = {
  id: string;
  url: string;
  stop: () => Promise<void>;
};

/** The runner id a channel id names, or null for anything else. */
export function runnerIdOf(channelId: string): string | null {
  return CHANNEL_ID_RE.exec(channelId)?.[1] ?? null;
}

export function newChannelId(runnerId: string): string {
  return `gh-ch-${runnerId}.${randomBytes(16).toString("base64url")}`;
}

/** What every instance presents to another's runner: derived from the installation's encryption key. */
export function runnerSecret(keyring: Keyring): string {
  return createHmac("sha256", keyring.current).update("gatehouse/mcp-runner/v1").digest("base64url");
}

function registrationKey(deps: McpDeps, runnerId: string): string {
  return deps.redisKey("mcp", "runner", runnerId);
}

function sameSecret(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

async function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

/** Writes a channel's answer to the forwarding instance, and drops it when that instance goes away. */
async function pipeAnswer(answer: UpstreamResponse, res: ServerResponse): Promise<void> {
  res.once("close", () => {
    if (!res.writableFinished) answer.destroy();
  });
  res.writeHead(answer.status, answer.mediaType ? { "content-type": answer.mediaType } : {});
  res.flushHeaders();
  try {
    for await (const chunk of answer.body) {
      if (res.destroyed) break;
      await writeWithBackpressure(res, chunk);
    }
    res.end();
  } catch (error) {
    // A failure after the head went out: end the stream; the forwarder sees it break off.
    if (error instanceof UpstreamFailure) res.destroy(error);
    else res.destroy();
  }
}

function runnerHandler(deps: McpDeps, channels: RunnerChannels) {
  const secret = runnerSecret(deps.keyring());
  return async (req: IncomingMessage, res: ServerResponse) => {
    const authorization = req.headers.authorization ?? "";
    if (!authorization.startsWith("Bearer ") || !sameSecret(authorization.slice(7), secret)) {
      sendJson(res, 401, { error: "unauthorized" });
      return;
    }
    // Channel ids are base64url and dots (newChannelId): nothing to decode, anything else is unknown.
    const match = /^\/channels\/([A-Za-z0-9._-]+)$/.exec(req.url ?? "");
    const channelId = match?.[1] ?? null;
    const connectionId = req.headers[RUNNER_HEADERS.connection];
    const session = req.headers[RUNNER_HEADERS.session];
    const sessionId = typeof session === "string" ? session : null;
    if (channelId === null || typeof connectionId !== "string") {
      sendJson(res, 404, { error: "not_found" });
      return;
    }
    try {
      if (req.method === "POST") {
        const body = await readBody(req, MAX_BODY_BYTES);
        if (body === null) {
          sendJson(res, 413, { error: "too_large" });
          return;
        }
        await pipeAnswer(await channels.post(channelId, connectionId, sessionId, body), res);
      } else if (req.method === "GET") {
        const abort = new AbortController();
        res.once("close", () => abort.abort());
        const answer = await channels.listen(channelId, connectionId, sessionId, abort.signal);
        await pipeAnswer(answer, res);
      } else if (req.method === "DELETE") {
        const closed = await channels.close(channelId, connectionId);
        res.writeHead(closed ? 200 : 404).end();
      } else res.writeHead(405, { allow: "GET, POST, DELETE" }).end();
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof UpstreamFailure)
        sendJson(res, 502, { kind: error.kind, message: error.message }, { [RUNNER_HEADERS.failure]: "1" });
      else {
        logger().child({ component: "mcp-runner" }).error({ err: error }, "runner request failed");
        sendJson(res, 500, { error: "internal" });
      }
    }
  };
}

// ---------------------------------------------------------------------------------------------
// this process's runner (one per process, shared by the fast path and the Next route modules)
// ---------------------------------------------------------------------------------------------

const RUNNER_KEY = Symbol.for("gatehouse.mcp-channel-runner");
const RUNNER_ID_KEY = Symbol.for("gatehouse.mcp-channel-runner-id");
type GlobalWithRunner = typeof globalThis & {
  [RUNNER_KEY]?: Promise<ChannelRunner>;
  [RUNNER_ID_KEY]?: string;
};

/** The id of this process's runner once it runs; its channels are the ones held here. */
export function localRunnerId(): string | null {
  return (globalThis as GlobalWithRunner)[RUNNER_ID_KEY] ?? null;
}

/**
 * This process's runner, started on first use (the first stdio process or SSE stream it opens).
 * Fails (and is retried by the next caller) when the port cannot be bound or Redis cannot be written:
 * a channel nobody else could reach is not opened.
 */
export function ensureChannelRunner(deps: McpDeps, channels: RunnerChannels): Promise<ChannelRunner> {
  const holder = globalThis as GlobalWithRunner;
  if (!holder[RUNNER_KEY]) {
    const starting = startChannelRunner(deps, channels);
    holder[RUNNER_KEY] = starting;
    starting.catch(() => {
      if (holder[RUNNER_KEY] === starting) holder[RUNNER_KEY] = undefined;
    });
  }
  return holder[RUNNER_KEY];
}

/** Stops this process's runner, if it runs: deregisters and closes the listener. */
export async function stopChannelRunner(): Promise<void> {
  const holder = globalThis as GlobalWithRunner;
  const running = holder[RUNNER_KEY];
  holder[RUNNER_KEY] = undefined;
  holder[RUNNER_ID_KEY] = undefined;
  if (running) await (await running.catch(() => null))?.stop();
}

async function startChannelRunner(deps: McpDeps, channels: RunnerChannels): Promise<ChannelRunner> {
  const config = env();
  const id = randomBytes(16).toString("base64url");
  const handle = runnerHandler(deps, channels);
  const server: Server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => void handle(req, res));
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.GATEHOUSE_RUNNER_PORT, config.GATEHOUSE_RUNNER_HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.unref();
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.GATEHOUSE_RUNNER_PORT;
  const host = config.GATEHOUSE_RUNNER_HOST;
  const url = (
    config.GATEHOUSE_RUNNER_URL ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`
  ).replace(/\/+$/, "");
  const key = registrationKey(deps, id);
  const register = () => deps.redis().set(key, url, "PX", REGISTRATION_TTL_MS);
  try {
    await register();
  } catch (error) {
    server.close();
    throw new UpstreamFailure("unreachable", "Could not register this instance's channel runner.", {
      cause: error,
    });
  }
  const refresh = setInterval(() => {
    void register().catch((error: unknown) =>
      logger().child({ component: "mcp-runner" }).warn({ err: error }, "runner registration refresh failed"),
    );
  }, REFRESH_MS);
  refresh.unref();
  logger().child({ component: "mcp-runner" }).info({ runnerId: id, url }, "channel runner listening");
  (globalThis as GlobalWithRunner)[RUNNER_ID_KEY] = id;
  return {
    id,
    url,
    stop: async () => {
      clearInterval(refresh);
      await deps
        .redis()
        .del(key)
        .catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// reaching another instance's runner
// ---------------------------------------------------------------------------------------------

const lookups = new Map<string, { url: string | null; expires: number }>();

async function runnerUrl(deps: McpDeps, runnerId: string): Promise<string | null> {
  const now = Date.now();
  const cached = lookups.get(runnerId);
  if (cached && cached.expires > now) return cached.url;
  const url = await deps.redis().get(registrationKey(deps, runnerId));
  if (lookups.size > 1_000) lookups.clear();
  lookups.set(runnerId, { url, expires: now + LOOKUP_CACHE_MS });
  return url;
}

export type RunnerCall = {
  method: "POST" | "GET" | "DELETE";
  channelId: string;
  connectionId: string;
  sessionId?: string | null;
  body?: string;
  limits: UpstreamLimits;
  signal?: AbortSignal;
};

/**
 * Sends one call to the runner that holds `channelId`. Null when no live runner is registered under
 * its id (the instance ended: the channel is gone). A runner's UpstreamFailure comes back as one.
 */
export async function callRunner(deps: McpDeps, call: RunnerCall): Promise<UpstreamResponse | null> {
  const runnerId = runnerIdOf(call.channelId);
  if (runnerId === null) return null;
  const base = await runnerUrl(deps, runnerId);
  if (base === null) return null;
  const url = new URL(`${base}/channels/${encodeURIComponent(call.channelId)}`);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const address = isIP(host) ? host : (await lookup(host)).address;
  const response = await upstreamRequest({
    // The runner's address comes from our own registry, not from a user: no outbound policy applies.
    target: pinnedTarget(url, address),
    method: call.method,
    headers: {
      authorization: `Bearer ${runnerSecret(deps.keyring())}`,
      [RUNNER_HEADERS.connection]: call.connectionId,
      ...(call.sessionId && { [RUNNER_HEADERS.session]: call.sessionId }),
      ...(call.body !== undefined && { "content-type": "application/json" }),
    },
    body: call.body,
    limits: call.limits,
    isStream: call.method === "GET",
    signal: call.signal,
  });
  if (response.status === 502 && response.headers[RUNNER_HEADERS.failure] === "1") {
    const failure = JSON.parse(await readAll(response.body)) as {
      kind: UpstreamFailure["kind"];
      message: string;
    };
    throw new UpstreamFailure(failure.kind, failure.message);
  }
  if (response.status === 401 || response.status >= 500) {
    response.destroy();
    throw new UpstreamFailure(
      "unreachable",
      `The instance holding this channel answered HTTP ${response.status}.`,
    );
  }
  return response;
}
