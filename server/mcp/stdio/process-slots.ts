import { randomBytes } from "node:crypto";
import type { McpDeps } from "../context";
import { UpstreamFailure } from "../upstream/http-client";

/**
 * The caps on stdio processes per server and per user, counted across every instance (PROTOCOL X2,
 * issue 5): a process holds a slot in two Redis sorted sets (its server's and its user's), scored by
 * when its lease ends. Instances renew the leases of their live processes; a slot is released when
 * its process ends, and an instance that dies loses its slots when their leases run out, so a crash
 * never leaks capacity for longer than LEASE_MS.
 *
 * Fails closed: without Redis no process is started (its cap could not be honoured).
 */

export const SLOT_LEASE_MS = 60_000;
export const SLOT_RENEW_MS = 20_000;

// KEYS: server set, user set. ARGV: now, lease end, max per server, max per user, slot id.
// Returns 0 (taken), 1 (server full) or 2 (user full).
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 1 end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 2 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[5])
local ttl = tonumber(ARGV[2]) - tonumber(ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return 0
`;

export type ProcessSlot = { id: string; serverKey: string; userKey: string };

export type SlotLimits = { maxPerServer: number; maxPerUser: number };

function slotKeys(deps: McpDeps, serverId: string, userId: string) {
  return {
    serverKey: deps.redisKey("mcp", "stdio-slots", "server", serverId),
    userKey: deps.redisKey("mcp", "stdio-slots", "user", userId),
  };
}

/** Takes a slot for a new process of `serverId` run for `userId`, or refuses with the reason. */
export async function acquireProcessSlot(
  deps: McpDeps,
  ids: { serverId: string; userId: string },
  limits: SlotLimits,
): Promise<ProcessSlot> {
  const slot = { id: randomBytes(12).toString("base64url"), ...slotKeys(deps, ids.serverId, ids.userId) };
  const now = Date.now();
  let verdict: unknown;
  try {
    verdict = await deps
      .redis()
      .eval(
        ACQUIRE,
        2,
        slot.serverKey,
        slot.userKey,
        now,
        now + SLOT_LEASE_MS,
        limits.maxPerServer,
        limits.maxPerUser,
        slot.id,
      );
  } catch (error) {
    throw new UpstreamFailure("unreachable", "The process limits cannot be checked right now (Redis).", {
      cause: error,
    });
  }
  if (verdict === 1)
    throw new UpstreamFailure(
      "refused",
      `This server already runs ${limits.maxPerServer} processes (the limit per server); close an idle session or try later.`,
    );
  if (verdict === 2)
    throw new UpstreamFailure(
      "refused",
      `You already run ${limits.maxPerUser} stdio server processes (the limit per user); close a session (DELETE) or wait for idle ones to end.`,
    );
  return slot;
}

export async function releaseProcessSlot(deps: McpDeps, slot: ProcessSlot): Promise<void> {
  await deps
    .redis()
    .multi()
    .zrem(slot.serverKey, slot.id)
    .zrem(slot.userKey, slot.id)
    .exec()
    .catch(() => undefined); // the lease runs out by itself
}

/** Extends the leases of live processes' slots (called periodically by the supervisor). */
export async function renewProcessSlots(deps: McpDeps, slots: Iterable<ProcessSlot>): Promise<void> {
  const until = Date.now() + SLOT_LEASE_MS;
  const pipeline = deps.redis().pipeline();
  let count = 0;
  for (const slot of slots) {
    pipeline.zadd(slot.serverKey, "XX", until, slot.id).pexpire(slot.serverKey, SLOT_LEASE_MS);
    pipeline.zadd(slot.userKey, "XX", until, slot.id).pexpire(slot.userKey, SLOT_LEASE_MS);
    count += 1;
  }
  if (count > 0) await pipeline.exec();
}
