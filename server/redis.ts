import { Redis, type RedisOptions } from "ioredis";
import { env } from "./env";
import { AppError } from "./errors";
import { logger } from "./logger";

const ERROR_LOG_INTERVAL_MS = 30_000;

const GLOBAL_KEY = Symbol.for("gatehouse.redis");
type GlobalWithRedis = typeof globalThis & { [GLOBAL_KEY]?: Redis };

/**
 * A new Redis connection. `purpose` names it in CLIENT LIST. Commands time out and are not
 * retried while Redis is down, so a request that needs Redis gets a 503 instead of waiting forever.
 * BullMQ workers pass `{ maxRetriesPerRequest: null }` (they block on purpose).
 */
export function createRedis(purpose: string, overrides: RedisOptions = {}): Redis {
  const client = new Redis(env().REDIS_URL, {
    connectionName: `gatehouse:${purpose}`,
    maxRetriesPerRequest: 1,
    commandTimeout: 3_000,
    connectTimeout: 5_000,
    lazyConnect: false,
    ...overrides,
  });
  // ioredis reconnects by itself; log an outage once in a while instead of on every retry.
  let lastLogged = 0;
  client.on("error", (error: Error) => {
    if (Date.now() - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = Date.now();
    logger().warn({ purpose, err: { message: error.message } }, "Redis connection error; retrying");
  });
  return client;
}

/** Shared connection for ordinary commands (not for blocking BullMQ workers). Keys need `key()`. */
export function redis(): Redis {
  const holder = globalThis as GlobalWithRedis;
  holder[GLOBAL_KEY] ??= createRedis("app");
  return holder[GLOBAL_KEY];
}

/** Every key Gatehouse writes starts with REDIS_KEY_PREFIX, so tests and instances can share a server. */
export function redisKey(...parts: string[]): string {
  return `${env().REDIS_KEY_PREFIX}${parts.join(":")}`;
}

export async function disconnectRedis(): Promise<void> {
  const holder = globalThis as GlobalWithRedis;
  const client = holder[GLOBAL_KEY];
  holder[GLOBAL_KEY] = undefined;
  if (client) await client.quit().catch(() => client.disconnect());
}

/**
 * Resolves once `client` is connected, or throws UNAVAILABLE after `timeoutMs`. Used before work
 * that would otherwise wait for Redis indefinitely (BullMQ producers queue commands until it returns).
 */
export async function ensureRedisReady(client: Redis, timeoutMs = 2_000): Promise<void> {
  if (client.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off("ready", onReady);
      reject(new AppError("UNAVAILABLE", "Redis is unreachable right now. Try again shortly."));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once("ready", onReady);
  });
}
