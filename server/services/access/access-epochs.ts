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
 */

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
  const names =
    "global" in target
      ? [keys.global]
      : [...new Set(target.userIds.filter((id): id is string => typeof id === "string" && id !== ""))].map(
          keys.user,
        );
  if (names.length === 0) return;
  try {
    const client = options.client ?? redis();
    const pipeline = client.pipeline();
    for (const name of names) pipeline.incr(name);
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
  } catch (error) {
    logger().error(
      { err: { message: (error as Error).message }, epochs: names.length },
      "Could not bump the access epoch; MCP policy caches may serve a stale decision until they expire",
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
