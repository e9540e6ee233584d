import type { Redis } from "ioredis";
import type { Keyring } from "../crypto/envelope";
import type { Db } from "../db";
import { metrics } from "../ops/metrics";
import type { OutboundPolicy, Resolver } from "../security/outbound-url";
import type { AccessMirror } from "./access-mirror";
import { type AuditScope, buildAuditRow, type ExchangeRecord } from "./audit";
import type { AuditSink } from "./audit-writer";
import type { Authenticator, McpPrincipal } from "./authenticate";
import type { McpHttpRequest } from "./http-types";
import type { StreamRegistry } from "./open-streams";
import type { ConnectionAccess } from "./policy";
import type { PolicyCache } from "./policy-cache";
import type { RateLimitLeases, RateLimits } from "./rate-limit";
import type { SessionState, SessionStore } from "./session-store";
import type { StdioSettings } from "./stdio/supervisor";
import type { UpstreamLimits } from "./upstream/http-client";
import type { UpstreamTarget } from "./upstream/target";

/** Everything the handler needs from outside; tests swap parts (a failing audit store, short timeouts). */
export type McpDeps = {
  db: () => Db;
  redis: () => Redis;
  /** prefixes Redis keys (server/redis.ts redisKey) */
  redisKey: (...parts: string[]) => string;
  /** GATEHOUSE_PUBLIC_URL without a trailing slash: connection URLs and PRM documents derive from it */
  publicUrl: string;
  /** origins a browser-based agent may call from (PROTOCOL T15); the public origin by default */
  allowedOrigins: ReadonlySet<string>;
  authenticators: readonly Authenticator[];
  audit: AuditSink;
  keyring: () => Keyring;
  sessions: SessionStore;
  sessionIdleTtlMs: number;
  limits: UpstreamLimits;
  maxRequestBytes: number;
  /** DNS for the SSRF guard; tests inject one */
  resolver?: Resolver;
  /** open SSE streams re-check credential and policy this often, and close when either fails (A9) */
  revalidateIntervalMs: number;
  /** open streams by credential, closed at once when a revocation is broadcast (A9) */
  streams: StreamRegistry;
  /** a comment line on idle SSE streams, so intermediaries keep them open */
  keepAliveIntervalMs: number;
  /** this instance's cache of credentials and policy decisions, validated by access epochs (policy-cache.ts) */
  policyCache?: PolicyCache;
  /** per-token and per-user requests per minute, shared by every instance (none when absent) */
  rateLimits?: RateLimits;
  /** counts this instance has reserved (rate-limit.ts); without them every request counts in Redis */
  rateLimitLeases?: RateLimitLeases;
  /** this instance's trusted copy of epochs and sessions (access-mirror.ts); without it every request reads Redis */
  accessMirror?: AccessMirror;
  /** stdio runner settings (server/mcp/stdio/supervisor.ts); defaults when absent */
  stdio?: Partial<StdioSettings>;
  /** how much of each body an audit row keeps (audit.ts AUDIT_BODY_MAX_BYTES when absent) */
  auditBodyMaxBytes?: number;
  /** stdio processes and legacy SSE streams unused this long are closed (default 10 min) */
  channelIdleMs?: number;
};

/** One authenticated, authorized HTTP request on a connection, and the session it belongs to. */
export type Exchange = {
  deps: McpDeps;
  request: McpHttpRequest;
  startedAt: number;
  publicId: string;
  principal: McpPrincipal;
  authenticator: Authenticator;
  access: ConnectionAccess;
  target: UpstreamTarget;
  /**
   * the admin's outbound allow-list: the value itself when the policy came from the cache (dialing
   * need not wait for it), else its load, started while the policy was checked
   */
  outboundPolicy: OutboundPolicy | Promise<OutboundPolicy>;
  sessionId: string | null;
  /** mutable: a transparent upstream re-initialization replaces the upstream session */
  state: SessionState | null;
};

export function auditScopeOf(exchange: Exchange): AuditScope {
  return {
    userId: exchange.principal.userId,
    tokenId: exchange.principal.tokenId,
    serverId: exchange.access.connection.serverId,
    connectionId: exchange.access.connection.id,
    sessionId: exchange.sessionId,
    client: exchange.state?.client ?? null,
    clientIp: exchange.request.clientIp,
    userAgent: exchange.request.header("user-agent") ?? null,
    requestId: exchange.request.requestId,
  };
}

/** Commits one audit row of this exchange; rejects (UNAVAILABLE) when the audit store fails. */
export async function recordExchange(exchange: Exchange, record: ExchangeRecord): Promise<void> {
  const { deps } = exchange;
  await deps.audit.write(
    buildAuditRow(auditScopeOf(exchange), record, deps.keyring(), deps.auditBodyMaxBytes),
  );
  metrics().mcpExchanges.inc({ action: record.action, outcome: record.outcome });
}
