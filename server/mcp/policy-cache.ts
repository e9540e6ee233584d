import { randomInt } from "node:crypto";
import type { ChainableCommander, Redis } from "ioredis";
import { BoundedMap } from "../bounded-map";
import { AppError } from "../errors";
import type { OutboundPolicy } from "../security/outbound-url";
import { accessEpochKeys } from "../services/access/access-epochs";
import { getOutboundPolicy, policyForVersion } from "../services/settings/outbound-policy";
import { bearerToken } from "../services/tokens/api-token-format";
import { isIpAllowed, tokenUsageBuffer } from "../services/tokens/authenticate-api-token";
import { credentialKey, UnknownCredentialGuard } from "../services/tokens/unknown-credentials";
import {
  AuthenticationError,
  type Authenticator,
  authenticateRequest,
  CredentialForbiddenError,
  type McpPrincipal,
} from "./authenticate";
import type { McpDeps } from "./context";
import {
  type ConnectionAccess,
  type ConnectionRow,
  evaluateAccess,
  loadConnection,
  PolicyDenied,
} from "./policy";
import { type RateLimitExceeded, type RateLimits, rateLimitCheck } from "./rate-limit";
import { type SessionState, sessionKeyHash } from "./session-store";

/**
 * The proxy's hot path without database round trips (DESIGN "How a tool call flows", steps 2–3).
 * Each instance keeps, in memory, the credentials it has verified and the policy decisions it has
 * computed (connection, visibility, allow-lists, outbound allow-list). A cached entry is reused only
 * while the access epochs it was computed under are unchanged (server/services/access/
 * access-epochs.ts): every service that changes access bumps them after its commit and announces
 * the change to every instance's mirror of the epochs (access-mirror.ts), waiting until none can
 * serve from before it. A request reads the epochs from that mirror while it is trusted, or else
 * from Redis in one pipelined round trip, together with its rate-limit counters and session.
 * So a revoked token, a deactivated user, a removed grant, a narrowed allow-list or a deleted
 * connection applies to the very next request, on every instance. If Redis cannot be read (and
 * the mirror is not trusted, which it never is without a live subscription and a ready command
 * connection), the request is refused (503): a decision is never reused unvalidated.
 *
 * Epochs are read **before** the database, so an entry is never stored under an epoch newer than
 * the data it was computed from. A credential seen for the first time is stored without epochs and
 * verified again (under read epochs) by its next request. Entries also expire after
 * POLICY_CACHE_MAX_AGE_MS, a backstop for a bump that could not be written.
 */

export const POLICY_CACHE_MAX_AGE_MS = 5 * 60_000;
const MAX_ENTRIES = 10_000;

type Epochs = { global: string; user: string };

type AuthEntry = {
  principal: McpPrincipal;
  authenticator: Authenticator;
  expiresAt: Date | null;
  ipAllowList: readonly string[];
  /** null: verified before the epochs were read; the next request verifies again */
  epochs: Epochs | null;
  storedAt: number;
};

type AccessEntry = {
  access: ConnectionAccess;
  outboundPolicy: OutboundPolicy;
  epochs: Epochs;
  storedAt: number;
};

export type PolicyCache = {
  auth: BoundedMap<AuthEntry>;
  access: BoundedMap<AccessEntry>;
  maxAgeMs: number;
  /** this instance's side of UNKNOWN_CREDENTIAL_THROTTLE */
  unknownCredentials: UnknownCredentialGuard;
};

export function createPolicyCache(options: { maxEntries?: number; maxAgeMs?: number } = {}): PolicyCache {
  const max = options.maxEntries ?? MAX_ENTRIES;
  return {
    auth: new BoundedMap(max),
    access: new BoundedMap(max),
    maxAgeMs: options.maxAgeMs ?? POLICY_CACHE_MAX_AGE_MS,
    unknownCredentials: new UnknownCredentialGuard(max),
  };
}

function tooManyUnknownCredentials(seconds: number): PolicyDenied {
  return new PolicyDenied(
    "too_many_unknown_credentials",
    429,
    `Too many requests with tokens Gatehouse does not know came from this address. Check the token your agent sends; retry in ${seconds} s.`,
    seconds,
  );
}

// Handlers built without one (tests constructing deps by hand) get their own, one per deps object.
const fallbackCaches = new WeakMap<McpDeps, PolicyCache>();
function cacheOf(deps: McpDeps): PolicyCache {
  if (deps.policyCache) return deps.policyCache;
  let cache = fallbackCaches.get(deps);
  if (!cache) {
    cache = createPolicyCache();
    fallbackCaches.set(deps, cache);
  }
  return cache;
}

const NO_LIMITS: RateLimits = { perToken: 0, perUser: 0 };

function sameEpochs(a: Epochs | null, b: Epochs | null): boolean {
  return a !== null && b !== null && a.global === b.global && a.user === b.user;
}

function unavailable(): AppError {
  return new AppError("UNAVAILABLE", "Redis is unreachable right now. Try again shortly.");
}

type PipelineReplies = [error: Error | null, value: unknown][];
type PendingRead = {
  queue: (pipeline: ChainableCommander) => void;
  resolve: (replies: PipelineReplies) => void;
  reject: (error: unknown) => void;
};

// Requests that arrive in the same turn of the event loop share one pipeline (one socket write and
// one read for all of them), sent when the turn's I/O callbacks are done (setImmediate), as the
// audit writer batches its INSERTs.
const pendingReads = new Map<Redis, PendingRead[]>();

function pipelined(client: Redis, queue: (pipeline: ChainableCommander) => void): Promise<PipelineReplies> {
  return new Promise((resolve, reject) => {
    let pending = pendingReads.get(client);
    if (pending === undefined) {
      pending = [];
      pendingReads.set(client, pending);
      setImmediate(() => sendReads(client));
    }
    pending.push({ queue, resolve, reject });
  });
}

/** The replies of a pipeline; throws the first command's error. */
function valuesOf(results: PipelineReplies): unknown[] {
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

function sendReads(client: Redis): void {
  const reads = pendingReads.get(client) ?? [];
  pendingReads.delete(client);
  const pipeline = client.pipeline();
  const ends: number[] = [];
  try {
    for (const read of reads) {
      read.queue(pipeline);
      ends.push(pipeline.length);
    }
  } catch (error) {
    for (const read of reads) read.reject(error);
    return;
  }
  pipeline.exec().then(
    (results) => {
      if (!results) {
        for (const read of reads) read.reject(unavailable());
        return;
      }
      let start = 0;
      for (const [index, read] of reads.entries()) {
        const end = ends[index] as number;
        read.resolve(results.slice(start, end) as PipelineReplies);
        start = end;
      }
    },
    (error: unknown) => {
      for (const read of reads) read.reject(error);
    },
  );
}

type EpochRead = {
  epochs: Epochs | null;
  limited: RateLimitExceeded | null;
  /** the session presented with the request, read and touched in the same round trip (undefined: not read) */
  session: SessionState | null | undefined;
};

/**
 * The access epochs of `userId`, its rate-limit counters and the presented session: from this
 * instance's trusted mirror and rate-limit leases when they hold all three (no round trip), else in
 * one Redis round trip (when the session store shares the client), remembered for the next request.
 * Fails closed.
 */
async function readEpochs(
  deps: McpDeps,
  principal: McpPrincipal,
  now: number,
  sessionId: string | undefined,
): Promise<EpochRead> {
  const limits = rateLimitCheck({
    limits: deps.rateLimits ?? NO_LIMITS,
    key: deps.redisKey,
    tokenId: principal.tokenId,
    userId: principal.userId,
    now,
    ...(deps.rateLimitLeases && { leases: deps.rateLimitLeases }),
  });
  const mirror = deps.accessMirror;
  mirror?.start();
  const sessionHash = sessionId === undefined ? undefined : sessionKeyHash(sessionId);
  if (mirror !== undefined && limits.count === 0) {
    const epochs = mirror.epochs(principal.userId);
    const session = sessionHash === undefined ? undefined : mirror.session(sessionHash, now);
    if (epochs !== null && (sessionHash === undefined || session !== undefined))
      return { epochs, limited: limits.read([], 0), session };
  }

  const generation = mirror?.generation ?? 0;
  const keys = accessEpochKeys(deps.redisKey);
  const userKey = keys.user(principal.userId);
  let replies: unknown[];
  let session: SessionState | null | undefined;
  try {
    const client = deps.redis();
    const touch = sessionId === undefined ? undefined : deps.sessions.touchCommands?.(sessionId);
    const sharesClient = touch !== undefined && touch.redis() === client;
    const results = await pipelined(client, (pipeline) => {
      pipeline.mget(keys.global, userKey);
      limits.queue(pipeline);
      if (sharesClient) touch.queue(pipeline);
    });
    replies = valuesOf(results);
    if (sharesClient) session = touch.read(replies, 1 + limits.count);
  } catch {
    throw unavailable();
  }
  const [global, user] = replies[0] as [string | null, string | null];
  let limited: RateLimitExceeded | null;
  try {
    limited = limits.read(replies, 1);
  } catch {
    throw unavailable();
  }
  if (global === null || user === null) {
    // An epoch that does not exist yet (or was lost with Redis's data) starts at a random value, so
    // it never repeats one a cached entry may hold. Until it exists, nothing is cached under it.
    const start = String(randomInt(1, 2 ** 47));
    const client = deps.redis();
    for (const key of [global === null ? keys.global : null, user === null ? userKey : null])
      if (key !== null) client.set(key, start, "NX").catch(() => undefined);
    return { epochs: null, limited, session };
  }
  const epochs = { global, user };
  mirror?.remember(generation, {
    userId: principal.userId,
    epochs,
    ...(sessionHash !== undefined &&
      session !== undefined && { session: { hash: sessionHash, state: session, refreshedAt: now } }),
  });
  return { epochs, limited, session };
}

export type CachedAuthentication = {
  principal: McpPrincipal;
  authenticator: Authenticator;
  /** the epochs read for this request (null: nothing may be cached from it) */
  epochs: Epochs | null;
  /** set when the token or user is over its rate limit (the caller audits and answers 429) */
  limited: RateLimitExceeded | null;
  /** the presented session, read with the epochs (undefined: not read here; use the session store) */
  session: SessionState | null | undefined;
};

/**
 * Authenticates the Authorization header (same answers as authenticateRequest), from the cache when
 * the epochs allow, and reads the rate-limit counters. Counts the token's use (buffered).
 */
export async function authenticateCached(
  deps: McpDeps,
  input: {
    authorization: string | undefined;
    clientIp: string | null;
    resource: string;
    /** the Mcp-Session-Id presented, read (and its idle expiry refreshed) in the same round trip */
    sessionId?: string;
    /** false for the gateway's own re-checks: no rate-limit count, no token use recorded */
    isAgentRequest?: boolean;
  },
): Promise<CachedAuthentication> {
  if (input.authorization === undefined || input.authorization.trim() === "")
    throw new AuthenticationError(false);
  const bearer = bearerToken(input.authorization);
  if (bearer === null) throw new AuthenticationError(true);
  const cache = cacheOf(deps);
  const key = credentialKey(bearer);
  const now = Date.now();

  const cached = cache.auth.get(key);
  // The gateway's own re-checks read the same epochs but count nothing against the rate limits.
  const counting = input.isAgentRequest === false ? { ...deps, rateLimits: undefined } : deps;
  let readBefore: EpochRead | null = null;
  if (
    cached &&
    now - cached.storedAt < cache.maxAgeMs &&
    (cached.expiresAt === null || cached.expiresAt.getTime() > now) &&
    isIpAllowed(cached.ipAllowList, input.clientIp)
  ) {
    readBefore = await readEpochs(counting, cached.principal, now, input.sessionId);
    if (cached.epochs !== null && sameEpochs(readBefore.epochs, cached.epochs)) {
      recordUse(deps, cached.principal, input.isAgentRequest, now);
      return { principal: cached.principal, authenticator: cached.authenticator, ...readBefore };
    }
  }

  cache.auth.delete(key);
  if (input.isAgentRequest !== false) {
    const seconds = cache.unknownCredentials.refusedForSeconds(key, input.clientIp, now);
    if (seconds !== null) throw tooManyUnknownCredentials(seconds);
  }
  let verified: Awaited<ReturnType<typeof authenticateRequest>>;
  try {
    verified = await authenticateRequest({
      db: deps.db(),
      authenticators: deps.authenticators,
      authorization: input.authorization,
      clientIp: input.clientIp,
      resource: input.resource,
    });
  } catch (error) {
    // A wrong secret for a known key id counts too: its sender does not hold that token either.
    if (
      error instanceof AuthenticationError &&
      error.presented &&
      (error.refusal === null || error.refusal.reason === "wrong_secret")
    )
      await cache.unknownCredentials.countUnknown(deps.redis(), deps.redisKey(""), input.clientIp, now);
    throw error;
  }
  const { principal, authenticator } = verified;
  cache.unknownCredentials.accepted(key);
  // Epochs read before this verification (same user) may label it; otherwise read them now and
  // store the credential unlabelled, to be verified again under them by its next request.
  const labelled = readBefore !== null && cached?.principal.userId === principal.userId;
  const read =
    labelled && readBefore !== null
      ? readBefore
      : await readEpochs(counting, principal, now, input.sessionId);
  cache.auth.set(key, {
    principal,
    authenticator,
    expiresAt: principal.expiresAt ?? null,
    ipAllowList: principal.ipAllowList ?? [],
    epochs: labelled ? read.epochs : null,
    storedAt: now,
  });
  recordUse(deps, principal, input.isAgentRequest, now);
  return { principal, authenticator, ...read };
}

/**
 * Counts an agent's use of its API token (in memory, written every few seconds: TokenUsageBuffer);
 * the gateway's own re-checks of open streams are not uses.
 */
function recordUse(deps: McpDeps, principal: McpPrincipal, isAgentRequest: boolean | undefined, now: number) {
  if (principal.kind === "api_token" && isAgentRequest !== false)
    tokenUsageBuffer(deps.db).record(principal.tokenId, new Date(now));
}

/**
 * Charges `count` further rate-limit counts to the principal's token and user (a batch's messages
 * after its first, which the request itself counted), in one Redis round trip. Fails closed.
 */
export async function chargeRateLimits(
  deps: McpDeps,
  principal: McpPrincipal,
  count: number,
): Promise<RateLimitExceeded | null> {
  const limits = rateLimitCheck({
    limits: deps.rateLimits ?? NO_LIMITS,
    key: deps.redisKey,
    tokenId: principal.tokenId,
    userId: principal.userId,
    now: Date.now(),
    weight: count,
  });
  if (limits.count === 0 || count < 1) return null;
  try {
    const replies = valuesOf(await pipelined(deps.redis(), (pipeline) => limits.queue(pipeline)));
    return limits.read(replies, 0);
  } catch {
    throw unavailable();
  }
}

/** 429 for a request over its limit (audited as DENIED rate_limited by the handler). */
export function rateLimited(limited: RateLimitExceeded): PolicyDenied {
  return new PolicyDenied(
    "rate_limited",
    429,
    `Rate limit exceeded: at most ${limited.limit} requests per minute per ${limited.scope === "token" ? "API token" : "user"}. Retry in ${limited.retryAfterSeconds} s.`,
    limited.retryAfterSeconds,
  );
}

/**
 * The connection's policy decision and the outbound allow-list, from the cache when the epochs
 * read for this request match. The connection row is noted in `seen` as soon as it is known (for
 * denial audits).
 */
export async function accessCached(
  deps: McpDeps,
  input: {
    principal: McpPrincipal;
    publicId: string;
    epochs: Epochs | null;
    seen?: { connection: ConnectionRow | null };
  },
): Promise<{
  access: ConnectionAccess;
  /** the value when it came from the cache (no need to wait), else its load */
  outboundPolicy: OutboundPolicy | Promise<OutboundPolicy>;
}> {
  const cache = cacheOf(deps);
  const key = `${input.principal.tokenId}/${input.publicId}`;
  const now = Date.now();
  const cached = cache.access.get(key);
  if (cached && sameEpochs(cached.epochs, input.epochs) && now - cached.storedAt < cache.maxAgeMs) {
    if (input.seen) input.seen.connection = cached.access.connection;
    return { access: cached.access, outboundPolicy: cached.outboundPolicy };
  }
  cache.access.delete(key);
  const installationPolicy = getOutboundPolicy(deps.db());
  installationPolicy.catch(() => undefined);
  const row = await loadConnection(deps.db(), input.publicId);
  if (input.seen) input.seen.connection = row;
  const outboundPolicy = installationPolicy.then((policy) =>
    row === null ? policy : policyForVersion(policy, row.serverVersion),
  );
  outboundPolicy.catch(() => undefined);
  const access = await evaluateAccess({ db: deps.db(), principal: input.principal, connection: row });
  const epochs = input.epochs;
  if (epochs !== null)
    outboundPolicy.then(
      (policy) => cache.access.set(key, { access, outboundPolicy: policy, epochs, storedAt: now }),
      () => undefined,
    );
  return { access, outboundPolicy };
}

/**
 * An open stream's periodic re-check (A9; the revocation broadcast closes streams at once, this is
 * its backstop): the same cached credential and policy decisions a request uses, validated by the
 * access epochs in Redis, so thousands of open streams cost Redis reads, not database queries. It
 * counts no rate limit and no token use. "denied" when the credential, the access or the session
 * is gone; "unverifiable" when a dependency could not be read (the caller decides how long to wait).
 */
export async function recheckAccess(
  deps: McpDeps,
  input: {
    authorization: string | undefined;
    clientIp: string | null;
    resource: string;
    publicId: string;
    sessionId: string | null;
  },
): Promise<"allowed" | "denied" | "unverifiable"> {
  try {
    const authenticated = await authenticateCached(deps, {
      authorization: input.authorization,
      clientIp: input.clientIp,
      resource: input.resource,
      ...(input.sessionId !== null && { sessionId: input.sessionId }),
      isAgentRequest: false,
    });
    await accessCached(deps, {
      principal: authenticated.principal,
      publicId: input.publicId,
      epochs: authenticated.epochs,
    });
    if (input.sessionId === null) return "allowed";
    const session =
      authenticated.session !== undefined
        ? authenticated.session
        : await deps.sessions.touch(input.sessionId);
    return session !== null && session.userId === authenticated.principal.userId ? "allowed" : "denied";
  } catch (error) {
    return error instanceof AuthenticationError ||
      error instanceof CredentialForbiddenError ||
      error instanceof PolicyDenied
      ? "denied"
      : "unverifiable";
  }
}
