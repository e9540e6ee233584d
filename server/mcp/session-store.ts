import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { ProtocolVersion } from "./protocol";

/**
 * Downstream MCP sessions, kept in Redis so any app instance can serve any request of a session
 * (DESIGN "Scale"). A session belongs to one user and one connection; a request that presents it
 * with another user's credential or on another connection is answered as if it did not exist (A7).
 * The key is a hash of the session id, so reading Redis does not hand out usable ids. Each use
 * refreshes the idle expiry.
 */

export const SESSION_STATE_SCHEMA = z.object({
  userId: z.string(),
  connectionId: z.string(),
  serverId: z.string(),
  /** the token that created the session (later requests may use another token of the same user) */
  tokenId: z.string(),
  protocolVersion: z.enum(["2025-11-25", "2025-06-18", "2025-03-26"]),
  upstreamSessionId: z.string().nullable(),
  upstreamProtocolVersion: z.enum(["2025-11-25", "2025-06-18", "2025-03-26"]),
  /** "name/version" of the agent, from initialize's clientInfo (for audit rows) */
  client: z.string().nullable(),
  /** the agent's initialize params, replayed when the upstream loses its session */
  initParams: z.record(z.string(), z.unknown()),
  /** HMAC key of this session's SSE event ids (event-ids.ts) */
  eventKey: z.string(),
  createdAt: z.number(),
});

export type SessionState = z.infer<typeof SESSION_STATE_SCHEMA> & {
  protocolVersion: ProtocolVersion;
  upstreamProtocolVersion: ProtocolVersion;
};

export type SessionStore = {
  create: (state: SessionState) => Promise<string>;
  /** the state, its idle expiry refreshed; null when unknown or expired */
  touch: (sessionId: string) => Promise<SessionState | null>;
  /**
   * Replaces the upstream session when it is still `expected` (compare-and-set, so two requests
   * that both saw the upstream lose its session re-initialize it once between them); returns the
   * state that is current afterwards.
   */
  replaceUpstream: (
    sessionId: string,
    expected: string | null,
    next: { upstreamSessionId: string | null; upstreamProtocolVersion: ProtocolVersion },
  ) => Promise<{ state: SessionState | null; replaced: boolean }>;
  /** removes the session, returning what it was (null when it was already gone) */
  remove: (sessionId: string) => Promise<SessionState | null>;
};

export function newSessionId(): string {
  // 256 random bits, base64url: visible ASCII as the spec requires (PROTOCOL T1).
  return randomBytes(32).toString("base64url");
}

function parseState(raw: string | null): SessionState | null {
  if (raw === null) return null;
  try {
    const parsed = SESSION_STATE_SCHEMA.safeParse(JSON.parse(raw));
    return parsed.success ? (parsed.data as SessionState) : null;
  } catch {
    return null;
  }
}

// KEYS[1] session key; ARGV[1] expected upstream session ("" for none), ARGV[2] new state, ARGV[3] ttl ms
const REPLACE_UPSTREAM = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {0, false} end
local state = cjson.decode(raw)
local current = state['upstreamSessionId']
if current == cjson.null then current = '' end
if current ~= ARGV[1] then return {0, raw} end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return {1, ARGV[2]}
`;

/** The Redis name of a session: a hash of its id, so stored keys are not usable session ids. */
export function sessionKeyHash(sessionId: string): string {
  return createHash("sha256").update(sessionId).digest("base64url");
}

/**
 * For the idle sweeper (session-sweeper.ts): a sorted set of session hashes by last use, and what
 * it takes to close each one's upstream session once the session itself has expired.
 */
export const sessionIndexKey = (key: (...parts: string[]) => string) => key("mcp", "session-index");
export const sessionUpstreamKey = (key: (...parts: string[]) => string) => key("mcp", "session-upstream");

export type SessionUpstream = Pick<
  SessionState,
  "userId" | "connectionId" | "serverId" | "upstreamSessionId" | "upstreamProtocolVersion"
>;

function upstreamOf(state: SessionState): SessionUpstream {
  const { userId, connectionId, serverId, upstreamSessionId, upstreamProtocolVersion } = state;
  return { userId, connectionId, serverId, upstreamSessionId, upstreamProtocolVersion };
}

export function redisSessionStore(options: {
  redis: () => Redis;
  key: (...parts: string[]) => string;
  idleTtlMs: number;
}): SessionStore {
  const keyOf = (sessionId: string) => options.key("mcp", "session", sessionKeyHash(sessionId));
  const indexKey = sessionIndexKey(options.key);
  const upstreamKey = sessionUpstreamKey(options.key);
  const ttl = String(options.idleTtlMs);
  return {
    async create(state) {
      const sessionId = newSessionId();
      const hash = sessionKeyHash(sessionId);
      await options
        .redis()
        .multi()
        .set(keyOf(sessionId), JSON.stringify(state), "PX", ttl)
        .zadd(indexKey, Date.now(), hash)
        .hset(upstreamKey, hash, JSON.stringify(upstreamOf(state)))
        .exec();
      return sessionId;
    },
    async touch(sessionId) {
      // One round trip: the state with its expiry refreshed, and its last use for the sweeper.
      const results = await options
        .redis()
        .multi()
        .getex(keyOf(sessionId), "PX", ttl)
        .zadd(indexKey, "XX", Date.now(), sessionKeyHash(sessionId))
        .exec();
      const raw = results?.[0]?.[1];
      return parseState(typeof raw === "string" ? raw : null);
    },
    async replaceUpstream(sessionId, expected, next) {
      const key = keyOf(sessionId);
      const current = parseState(await options.redis().get(key));
      if (current === null) return { state: null, replaced: false };
      const updated: SessionState = { ...current, ...next };
      const result = (await options
        .redis()
        .eval(REPLACE_UPSTREAM, 1, key, expected ?? "", JSON.stringify(updated), ttl)) as [
        number,
        string | null,
      ];
      if (result[0] === 1)
        await options
          .redis()
          .hset(upstreamKey, sessionKeyHash(sessionId), JSON.stringify(upstreamOf(updated)));
      return { state: parseState(result[1]), replaced: result[0] === 1 };
    },
    async remove(sessionId) {
      const hash = sessionKeyHash(sessionId);
      const results = await options
        .redis()
        .multi()
        .getdel(keyOf(sessionId))
        .zrem(indexKey, hash)
        .hdel(upstreamKey, hash)
        .exec();
      const raw = results?.[0]?.[1];
      return parseState(typeof raw === "string" ? raw : null);
    },
  };
}
