import type { Redis } from "ioredis";
import { z } from "zod";
import { logger } from "../../logger";
import { createRedis, ensureRedisReady, redis, redisKey } from "../../redis";

/**
 * Revocation news for every app instance. The database stays the authority (authenticateApiToken
 * reads it on every request, so a revoked token fails on the next request wherever it arrives);
 * this Redis message is what lets an instance act on connections already open: the MCP proxy
 * closes SSE streams of the token, and any cache of credentials drops the entry.
 *
 * Channel: `<REDIS_KEY_PREFIX>token-revoked` ("gatehouse:token-revoked" by default).
 */
export const TOKEN_REVOKED_CHANNEL = "token-revoked";

export const TOKEN_REVOKED_MESSAGE = z
  .object({
    /** the revoked token; null means every token of `userId` (the user was deactivated) */
    tokenId: z.uuid().nullable(),
    userId: z.uuid(),
    reason: z.enum(["revoked", "user_deactivated"]),
    revokedAt: z.iso.datetime(),
  })
  .strict();

export type TokenRevokedMessage = z.infer<typeof TOKEN_REVOKED_MESSAGE>;

export function tokenRevokedChannel(): string {
  return redisKey(TOKEN_REVOKED_CHANNEL);
}

const PUBLISH_READY_TIMEOUT_MS = 1_000;

/**
 * Publishes after the revocation committed. Never throws: the revocation already holds (the next
 * request fails), so a Redis outage must not turn it into an error for the person revoking. An
 * unsent message is logged; streams it would have closed end at their next request instead.
 * Returns whether the message was handed to Redis.
 */
export async function publishTokenRevoked(
  message: TokenRevokedMessage,
  client: Redis = redis(),
): Promise<boolean> {
  try {
    const payload = JSON.stringify(TOKEN_REVOKED_MESSAGE.parse(message));
    await ensureRedisReady(client, PUBLISH_READY_TIMEOUT_MS);
    await client.publish(tokenRevokedChannel(), payload);
    return true;
  } catch (error) {
    logger().warn(
      { tokenId: message.tokenId, userId: message.userId, err: { message: (error as Error).message } },
      "Could not broadcast a token revocation; open streams end at their next request",
    );
    return false;
  }
}

/** Every token of a deactivated user: call after the deactivation committed. */
export function publishUserTokensRevoked(userId: string, revokedAt: Date = new Date()): Promise<boolean> {
  return publishTokenRevoked({
    tokenId: null,
    userId,
    reason: "user_deactivated",
    revokedAt: revokedAt.toISOString(),
  });
}

/**
 * Listens for revocations on a connection of its own (a subscribed Redis connection can do nothing
 * else). Malformed messages are ignored. Resolves once subscribed; call the returned function to stop.
 */
export async function subscribeTokenRevocations(
  onMessage: (message: TokenRevokedMessage) => void,
  client: Redis = createRedis("token-revocations"),
): Promise<() => Promise<void>> {
  const channel = tokenRevokedChannel();
  const listener = (from: string, payload: string) => {
    if (from !== channel) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return;
    }
    const message = TOKEN_REVOKED_MESSAGE.safeParse(parsed);
    if (message.success) onMessage(message.data);
  };
  client.on("message", listener);
  await client.subscribe(channel);
  return async () => {
    client.off("message", listener);
    await client.quit().catch(() => client.disconnect());
  };
}
