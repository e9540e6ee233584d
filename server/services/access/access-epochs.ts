import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { logger } from "../../logger";
import { redis, redisKey } from "../../redis";

/**
 * Access epochs: counters in Redis that every change of access bumps **after its transaction has
 * committed**. The MCP proxy caches authentication and policy decisions per instance and reuses a
 * decision only while the epochs it was computed under are unchanged (server/mcp/policy-cache.ts),
 * so a change applies to the very next request on every instance.
 *
 * - the global epoch: anything that may change what many users see (registries and their subjects,
 *   grants and tool allow-lists, teams and memberships, servers and versions, outbound settings);
 * - one epoch per user: that user's tokens, status and role, and connections.
 *
 * The proxy reads an epoch before it reads the database, and a service bumps it after its commit,
 * so a decision is never cached under an epoch newer than the data it was computed from.
 *
 * Instances do not read the epochs from Redis on every request: each keeps a mirror of the epochs
 * and sessions it has read (server/mcp/access-mirror.ts), and a change is announced to the mirrors
 * (`announceAccessChange`) before the service that made it returns. The announcement is fenced:
 * it waits until every mirror that may be trusting its copy has dropped the changed entries (each
 * acknowledges), or has stopped trusting its copy altogether (its lease, renewed only while its
 * subscription is proven alive, expired or started over). So "the very next request" still holds.
 */

export type AccessChange = {
  global?: boolean;
  userIds?: readonly string[];
  /** MCP sessions by key hash (server/mcp/session-store.ts sessionKeyHash) */
  sessionHashes?: readonly string[];
};

/** Redis names of the mirrors' channel, their leases and the acknowledgements of one announcement. */
export function accessMirrorKeys(key: (...parts: string[]) => string = redisKey) {
  return {
    channel: key("access-epoch", "changes"),
    /** a mirror's own channel for the pings that prove its subscription (server/mcp/access-mirror.ts) */
    ping: (holderId: string) => key("access-epoch", "ping", holderId),
    holders: key("access-epoch", "holders"),
    /** value: the holder's current trust period; expires unless renewed */
    holder: (holderId: string) => key("access-epoch", "holder", holderId),
    acks: (announcementId: string) => key("access-epoch", "acks", announcementId),
  };
}

/** How long a mirror may trust its copy after proving its subscription alive. */
export const ACCESS_MIRROR_LEASE_MS = 2_000;
/** After this, an announcement stops waiting (a mirror renewing without acknowledging: a bug) and logs. */
const ANNOUNCE_MAX_WAIT_MS = ACCESS_MIRROR_LEASE_MS + 1_000;
export const ACK_TTL_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Tells every mirror about a committed change and waits until none can serve from before it:
 * each live holder acknowledged, or its lease is gone, or it started a new trust period (which
 * begins empty). Throws when Redis cannot be reached (callers log; the change itself is committed).
 */
export async function announceAccessChange(
  change: AccessChange,
  options: { client?: Redis; key?: (...parts: string[]) => string } = {},
): Promise<void> {
  const client = options.client ?? redis();
  const keys = accessMirrorKeys(options.key);
  const id = randomUUID();
  await client.publish(keys.channel, JSON.stringify({ id, ...change }));
  // Holders and their trust periods as of now (after the publish): a holder that appears later
  // started trusting after the change, from an empty copy.
  let expected: Map<string, string> | null = null;
  const deadline = Date.now() + ANNOUNCE_MAX_WAIT_MS;
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    const [[, holderIds], [, acked]] = (await client
      .pipeline()
      .smembers(keys.holders)
      .smembers(keys.acks(id))
      .exec()) as [[null, string[]], [null, string[]]];
    const ids = expected === null ? holderIds : [...expected.keys()];
    const periods = ids.length === 0 ? [] : await client.mget(ids.map(keys.holder));
    const ackedIds = new Set(acked);
    const waiting = new Map<string, string>();
    const gone: string[] = [];
    ids.forEach((holderId, index) => {
      const period = periods[index] ?? null;
      if (period === null) gone.push(holderId);
      else if (!ackedIds.has(holderId) && (expected === null || expected.get(holderId) === period))
        waiting.set(holderId, period);
    });
    if (gone.length > 0) await client.srem(keys.holders, ...gone);
    if (waiting.size === 0) return;
    if (Date.now() > deadline) {
      logger().error(
        { holders: [...waiting.keys()] },
        "Access mirrors kept their lease without acknowledging a change; continuing",
      );
      return;
    }
    expected = waiting;
    await sleep(pause);
  }
}

export type AccessEpochKeys = { global: string; user: (userId: string) => string };

export function accessEpochKeys(key: (...parts: string[]) => string = redisKey): AccessEpochKeys {
  return { global: key("access-epoch", "global"), user: (userId) => key("access-epoch", "user", userId) };
}

type BumpTarget = { global: true } | { userIds: readonly (string | null | undefined)[] };

/**
 * Bumps the epochs of a committed change. Never throws: the change is committed and must be
 * answered as done. A failed bump is logged, and the proxy's cache still expires every entry after
 * POLICY_CACHE_MAX_AGE_MS; while Redis is unreachable the proxy refuses requests anyway.
 */
export async function bumpAccessEpochs(
  target: BumpTarget,
  options: { client?: Redis; key?: (...parts: string[]) => string } = {},
): Promise<void> {
  const keys = accessEpochKeys(options.key);
  const change: AccessChange =
    "global" in target
      ? { global: true }
      : {
          userIds: [
            ...new Set(target.userIds.filter((id): id is string => typeof id === "string" && id !== "")),
          ],
        };
  const names = change.global ? [keys.global] : (change.userIds ?? []).map(keys.user);
  if (names.length === 0) return;
  try {
    const client = options.client ?? redis();
    const pipeline = client.pipeline();
    for (const name of names) pipeline.incr(name);
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
    await announceAccessChange(change, options);
  } catch (error) {
    logger().error(
      { err: { message: (error as Error).message }, epochs: names.length },
      "Could not bump or announce the access epoch; MCP policy caches may serve a stale decision until they expire",
    );
  }
}

/** After a change that may affect every user's access (registries, teams, servers, settings). */
export function bumpGlobalAccessEpoch(): Promise<void> {
  return bumpAccessEpochs({ global: true });
}

/** After a change to these users' tokens, status, role or connections. */
export function bumpUserAccessEpochs(...userIds: (string | null | undefined)[]): Promise<void> {
  return bumpAccessEpochs({ userIds });
}
