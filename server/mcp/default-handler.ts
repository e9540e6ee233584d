import { appKeyring } from "../crypto/keyring";
import { db } from "../db";
import { env } from "../env";
import { redis, redisKey } from "../redis";
import { AccessMirror } from "./access-mirror";
import { AuditWriter } from "./audit-writer";
import { apiTokenAuthenticator } from "./authenticate";
import { MAX_REQUEST_BYTES } from "./body";
import type { McpDeps } from "./context";
import { createMcpHandler } from "./handler";
import type { McpHttpRequest, McpHttpResponse } from "./http-types";
import { createStreamRegistry } from "./open-streams";
import { createPolicyCache } from "./policy-cache";
import { RateLimitLeases } from "./rate-limit";
import { redisSessionStore, sessionRefreshMs } from "./session-store";
import { startSessionSweeper } from "./session-sweeper";
import { DEFAULT_UPSTREAM_LIMITS } from "./upstream/http-client";

/**
 * The process's MCP handler, wired to the installation's database, Redis, keyring and settings.
 * Both adapters (the node:http fast path and the Next route handlers) call this one. Kept on
 * globalThis so the custom server and Next's separately bundled route modules share one audit
 * writer (and so one group-commit queue) per process.
 */
export const SESSION_IDLE_TTL_MS = 30 * 60_000;

export function defaultMcpDeps(overrides: Partial<McpDeps> = {}): McpDeps {
  const config = env();
  const publicUrl = config.GATEHOUSE_PUBLIC_URL.replace(/\/+$/, "");
  const sessionIdleTtlMs = overrides.sessionIdleTtlMs ?? SESSION_IDLE_TTL_MS;
  return {
    db,
    redis,
    redisKey,
    publicUrl,
    allowedOrigins: new Set([new URL(publicUrl).origin.toLowerCase()]),
    authenticators: [apiTokenAuthenticator],
    audit: new AuditWriter(),
    keyring: appKeyring,
    auditBodyMaxBytes: config.GATEHOUSE_AUDIT_BODY_MAX_BYTES,
    sessions: redisSessionStore({
      redis,
      key: redisKey,
      idleTtlMs: sessionIdleTtlMs,
      maxPerUser: config.GATEHOUSE_MCP_SESSIONS_PER_USER,
    }),
    sessionIdleTtlMs,
    limits: DEFAULT_UPSTREAM_LIMITS,
    maxRequestBytes: MAX_REQUEST_BYTES,
    revalidateIntervalMs: 15_000,
    streams: createStreamRegistry(undefined, {
      perSession: config.GATEHOUSE_MCP_STREAMS_PER_SESSION,
      perUser: config.GATEHOUSE_MCP_STREAMS_PER_USER,
    }),
    keepAliveIntervalMs: 25_000,
    policyCache: createPolicyCache(),
    rateLimits: {
      perToken: config.GATEHOUSE_MCP_RATE_LIMIT_PER_TOKEN,
      perUser: config.GATEHOUSE_MCP_RATE_LIMIT_PER_USER,
    },
    rateLimitLeases: new RateLimitLeases(),
    accessMirror: new AccessMirror({
      redis: overrides.redis ?? redis,
      key: overrides.redisKey ?? redisKey,
      sessionRefreshMs: sessionRefreshMs(sessionIdleTtlMs),
    }),
    ...overrides,
  };
}

const GLOBAL_KEY = Symbol.for("gatehouse.mcp-handler");
type GlobalWithHandler = typeof globalThis & {
  [GLOBAL_KEY]?: (request: McpHttpRequest) => Promise<McpHttpResponse>;
};

export function mcpHandler(): (request: McpHttpRequest) => Promise<McpHttpResponse> {
  const holder = globalThis as GlobalWithHandler;
  if (!holder[GLOBAL_KEY]) {
    const deps = defaultMcpDeps();
    holder[GLOBAL_KEY] = createMcpHandler(deps);
    // Idle sessions' upstream sides (HTTP session, SSE stream, stdio process) are closed by a sweeper.
    // Tests sweep explicitly (tests/integration/mcp-session-expiry.test.ts): a background sweeper in
    // one test worker would claim the sessions another worker's test is about to expire.
    if (env().NODE_ENV !== "test") startSessionSweeper(deps);
  }
  return holder[GLOBAL_KEY];
}

/**
 * Replaces the process's handler (both adapters use it). For embedders and tests that need other
 * dependencies, e.g. short upstream timeouts or an audit store that fails.
 */
export function installMcpHandler(handler: (request: McpHttpRequest) => Promise<McpHttpResponse>): void {
  (globalThis as GlobalWithHandler)[GLOBAL_KEY] = handler;
}
