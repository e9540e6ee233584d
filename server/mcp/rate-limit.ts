import type { ChainableCommander } from "ioredis";

/**
 * Per-token and per-user request limits, shared by every instance through Redis: a fixed window of
 * one minute per key (`INCR` + `PEXPIRE`, queued on the same pipeline as the access-epoch read, so a
 * request costs no extra round trip). A window's count is compared after the increment; refused
 * requests count too, so a client hammering past the limit does not get in earlier.
 */

export type RateLimits = {
  /** requests per minute per API token; 0 = no limit */
  perToken: number;
  /** requests per minute per user, all their tokens together; 0 = no limit */
  perUser: number;
};

export const RATE_WINDOW_MS = 60_000;

export type RateLimitCheck = {
  /** the commands to queue; `read` then reads their replies, starting at `offset` */
  queue: (pipeline: ChainableCommander) => void;
  count: number;
  read: (replies: unknown[], offset: number) => RateLimitExceeded | null;
};

export type RateLimitExceeded = { scope: "token" | "user"; limit: number; retryAfterSeconds: number };

export function rateLimitCheck(options: {
  limits: RateLimits;
  key: (...parts: string[]) => string;
  tokenId: string;
  userId: string;
  now: number;
}): RateLimitCheck {
  const window = Math.floor(options.now / RATE_WINDOW_MS);
  const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * RATE_WINDOW_MS - options.now) / 1000));
  const checks: { scope: "token" | "user"; limit: number; key: string }[] = [];
  if (options.limits.perToken > 0)
    checks.push({
      scope: "token",
      limit: options.limits.perToken,
      key: options.key("mcp-rate", "token", options.tokenId, String(window)),
    });
  if (options.limits.perUser > 0)
    checks.push({
      scope: "user",
      limit: options.limits.perUser,
      key: options.key("mcp-rate", "user", options.userId, String(window)),
    });
  return {
    count: checks.length * 2,
    queue(pipeline) {
      for (const check of checks) pipeline.incr(check.key).pexpire(check.key, RATE_WINDOW_MS + 5_000);
    },
    read(replies, offset) {
      for (const [index, check] of checks.entries()) {
        const value = Number(replies[offset + index * 2]);
        if (!Number.isFinite(value)) throw new Error("rate limit counter unreadable");
        if (value > check.limit) return { scope: check.scope, limit: check.limit, retryAfterSeconds };
      }
      return null;
    },
  };
}
