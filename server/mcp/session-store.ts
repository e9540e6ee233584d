import { hash, randomBytes } from "node:crypto";
import type { ChainableCommander, Redis } from "ioredis";
import { z } from "zod";
import { logger } from "../logger";
import { announceAccessChange } from "../services/access/access-epochs";
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
   * `touch` as commands to queue on another pipeline of the same Redis client, so the hot path
   * reads the session together with the access epochs and rate-limit counters (one round trip).
   */
  touchCommands?: (sessionId: string) => SessionTouch;
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

export type SessionTouch = {
  /** the client the commands must go to */
  redis: () => Redis;
  queue: (pipeline: ChainableCommander) => void;
  /** how many replies the queued commands produce */
  count: number;
  read: (replies: unknown[], offset: number) => SessionState | null;
};

/** A session's score in the sweeper's index is refreshed at most this often by one process… */
const INDEX_REFRESH_MAX_MS = 60_000;
/** …and at most every 1/10 of the idle TTL. */
const INDEX_REFRESH_FRACTION = 10;
const INDEXED_AT_MAX = 20_000;

/**
 * How often a session in use is read from Redis again with its expiry refreshed, at most: by the
 * sweeper's index here, and by the instances' mirrors (access-mirror.ts), which serve a session in
 * between without a round trip. A live session's expiry is thus never more than this behind.
 */
export function sessionRefreshMs(idleTtlMs: number): number {
  return Math.min(INDEX_REFRESH_MAX_MS, idleTtlMs / INDEX_REFRESH_FRACTION);
}

/** Checked session states kept per process, by their stored text (see redisSessionStore). */
const PARSED_STATES_MAX = 2_000;

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

// KEYS[1] the user's sessions, KEYS[2] the sweeper's index (last use), KEYS[3] the ended set;
// ARGV[1] the cap, ARGV[2] the session key prefix. Drops expired entries, ends the least recently
// used live sessions past the cap (put in the ended set, whose upstream sides the next sweep
// closes) and returns them.
const TRIM_USER_SESSIONS = `
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
local live = {}
for _, member in ipairs(members) do
  if redis.call('EXISTS', ARGV[2] .. member) == 0 then
    redis.call('ZREM', KEYS[1], member)
  else
    table.insert(live, { member, tonumber(redis.call('ZSCORE', KEYS[2], member) or '0') })
  end
end
local excess = #live - tonumber(ARGV[1])
local ended = {}
if excess <= 0 then return ended end
table.sort(live, function(a, b) return a[2] < b[2] end)
for index = 1, excess do
  local member = live[index][1]
  redis.call('DEL', ARGV[2] .. member)
  redis.call('ZREM', KEYS[1], member)
  redis.call('SADD', KEYS[3], member)
  table.insert(ended, member)
end
return ended
`;

/** The Redis name of a session: a hash of its id, so stored keys are not usable session ids. */
export function sessionKeyHash(sessionId: string): string {
  return hash("sha256", sessionId, "base64url");
}

/**
 * For the idle sweeper (session-sweeper.ts): a sorted set of session hashes by last use (to within a
 * tenth of the idle TTL, see touchCommands), and what it takes to close each one's upstream session
 * once the session itself has expired.
 */
export const sessionIndexKey = (key: (...parts: string[]) => string) => key("mcp", "session-index");
export const sessionUpstreamKey = (key: (...parts: string[]) => string) => key("mcp", "session-upstream");
/** Sessions ended before their time (the per-user cap): the sweeper closes their upstream side first. */
export const sessionEndedKey = (key: (...parts: string[]) => string) => key("mcp", "session-ended");

export type SessionUpstream = Pick<
  SessionState,
  "userId" | "connectionId" | "serverId" | "upstreamSessionId" | "upstreamProtocolVersion"
>;

function upstreamOf(state: SessionState): SessionUpstream {
  const { userId, connectionId, serverId, upstreamSessionId, upstreamProtocolVersion } = state;
  return { userId, connectionId, serverId, upstreamSessionId, upstreamProtocolVersion };
}

/** Live sessions one user may hold across all their connections (GATEHOUSE_MCP_SESSIONS_PER_USER). */
export const DEFAULT_SESSIONS_PER_USER = 1_000;

/** A user's sessions by creation time, for the per-user cap. */
export const userSessionsKey = (key: (...parts: string[]) => string, userId: string) =>
  key("mcp", "user-sessions", userId);

export function redisSessionStore(options: {
  redis: () => Redis;
  key: (...parts: string[]) => string;
  idleTtlMs: number;
  /** past this many live sessions of one user, a new one ends that user's oldest */
  maxPerUser?: number;
}): SessionStore {
  const keyOf = (sessionId: string) => options.key("mcp", "session", sessionKeyHash(sessionId));
  const maxPerUser = options.maxPerUser ?? DEFAULT_SESSIONS_PER_USER;
  const indexKey = sessionIndexKey(options.key);
  const upstreamKey = sessionUpstreamKey(options.key);
  const ttl = String(options.idleTtlMs);
  // A session's stored text is the same on every request until it changes (replaceUpstream), so
  // the checked state is kept per text instead of being parsed and validated on every request.
  // Nothing mutates a SessionState (exchanges replace theirs), so one object can be shared.
  const parsed = new Map<string, SessionState | null>();
  const parseCached = (raw: string | null): SessionState | null => {
    if (raw === null) return null;
    const hit = parsed.get(raw);
    if (hit !== undefined) return hit;
    const state = parseState(raw);
    if (parsed.size >= PARSED_STATES_MAX) {
      const oldest = parsed.keys().next();
      if (!oldest.done) parsed.delete(oldest.value);
    }
    parsed.set(raw, state);
    return state;
  };
  // The sweeper's index holds each session's last use, but only as a pre-filter: it takes a session
  // only once its key has expired. So this process refreshes a session's score at most every
  // INDEX_REFRESH_FRACTION of the idle TTL (a live session's score is never older than that), not on
  // every request.
  const indexRefreshMs = sessionRefreshMs(options.idleTtlMs);
  // The instances' mirrors drop a session that changed or ended (access-mirror.ts). A failed
  // announcement is logged: a mirror that could not hear it is not trusted anyway (Redis is down).
  const announceSessionChanges = (hashes: string[]) =>
    announceAccessChange({ sessionHashes: hashes }, { client: options.redis(), key: options.key }).catch(
      (error: unknown) =>
        logger().warn({ err: { message: (error as Error).message } }, "could not announce a session change"),
    );
  const indexedAt = new Map<string, number>();
  const noteIndexed = (hash: string, now: number) => {
    if (indexedAt.size >= INDEXED_AT_MAX) indexedAt.clear();
    indexedAt.set(hash, now);
  };
  const touchCommands = (sessionId: string): SessionTouch => {
    const hash = sessionKeyHash(sessionId);
    const now = Date.now();
    const isIndexDue = now - (indexedAt.get(hash) ?? 0) >= indexRefreshMs;
    if (isIndexDue) noteIndexed(hash, now);
    return {
      redis: options.redis,
      count: isIndexDue ? 2 : 1,
      // The state with its expiry refreshed, and (when due) its last use for the sweeper. No MULTI:
      // a sweep takes only sessions whose key is gone, and GETEX runs first.
      queue(pipeline) {
        pipeline.getex(options.key("mcp", "session", hash), "PX", ttl);
        if (isIndexDue) pipeline.zadd(indexKey, "XX", now, hash);
      },
      read(replies, offset) {
        const raw = replies[offset];
        return parseCached(typeof raw === "string" ? raw : null);
      },
    };
  };
  /**
   * Keeps a user within maxPerUser sessions: entries of sessions already expired are dropped from
   * the user's set; if more live ones remain than the cap, the least recently used are ended (by
   * the sweeper index's last-use score), their upstream sessions closed by the sweeper's next run
   * (sessionEndedKey); their agents get 404 and initialize again, as the spec has them do.
   */
  const enforceUserCap = async (userId: string, count: number) => {
    if (count <= maxPerUser) return;
    const ended = (await options
      .redis()
      .eval(
        TRIM_USER_SESSIONS,
        3,
        userSessionsKey(options.key, userId),
        indexKey,
        sessionEndedKey(options.key),
        String(maxPerUser),
        options.key("mcp", "session", ""),
      )) as string[];
    if (ended.length === 0) return;
    logger()
      .child({ component: "mcp" })
      .info(
        { userId, ended: ended.length, maxPerUser },
        "ended a user's least recently used MCP sessions past the cap",
      );
    await announceSessionChanges(ended);
  };
  return {
    async create(state) {
      const sessionId = newSessionId();
      const hash = sessionKeyHash(sessionId);
      const now = Date.now();
      const userKey = userSessionsKey(options.key, state.userId);
      const results = await options
        .redis()
        .multi()
        .set(keyOf(sessionId), JSON.stringify(state), "PX", ttl)
        .zadd(indexKey, now, hash)
        .hset(upstreamKey, hash, JSON.stringify(upstreamOf(state)))
        .zadd(userKey, now, hash)
        .zcard(userKey)
        // The set outlives its newest session by one idle period at most.
        .pexpire(userKey, options.idleTtlMs * 2)
        .exec();
      noteIndexed(hash, now);
      const count = results?.[4]?.[1];
      if (typeof count === "number") await enforceUserCap(state.userId, count);
      return sessionId;
    },
    touchCommands,
    async touch(sessionId) {
      const commands = touchCommands(sessionId);
      const pipeline = options.redis().pipeline();
      commands.queue(pipeline);
      const results = await pipeline.exec();
      if (!results) throw new Error("the session could not be read");
      for (const [error] of results) if (error) throw error;
      return commands.read(
        results.map(([, value]) => value),
        0,
      );
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
      if (result[0] === 1) {
        const hash = sessionKeyHash(sessionId);
        await options.redis().hset(upstreamKey, hash, JSON.stringify(upstreamOf(updated)));
        await announceSessionChanges([hash]);
      }
      return { state: parseState(result[1]), replaced: result[0] === 1 };
    },
    async remove(sessionId) {
      const hash = sessionKeyHash(sessionId);
      indexedAt.delete(hash);
      const results = await options
        .redis()
        .multi()
        .getdel(keyOf(sessionId))
        .zrem(indexKey, hash)
        .hdel(upstreamKey, hash)
        .exec();
      const raw = results?.[0]?.[1];
      if (typeof raw !== "string") return null;
      parsed.delete(raw);
      // Gone on the next request wherever it arrives, not only where the mirror had it.
      await announceSessionChanges([hash]);
      const state = parseState(raw);
      if (state !== null) await options.redis().zrem(userSessionsKey(options.key, state.userId), hash);
      return state;
    },
  };
}
