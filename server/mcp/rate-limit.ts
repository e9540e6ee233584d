import type { ChainableCommander } from "ioredis";

/**
 * Per-token and per-user request limits, shared by every instance through Redis: a fixed window of
 * one minute per key (`INCRBY` + `PEXPIRE`, queued on the same pipeline as the access-epoch read).
 * Each instance reserves counts a few at a time (RateLimitLeases), so most requests need no round
 * trip. Each request's count is compared with the limit; refused requests count too, so a client
 * hammering past the limit does not get in earlier. A JSON-RPC batch counts once per message: its
 * first count is the request's, the others are charged together once the body is parsed.
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
  /** replies the queued commands produce; 0 when the leases this instance holds answer it all */
  count: number;
  read: (replies: unknown[], offset: number) => RateLimitExceeded | null;
};

export type RateLimitExceeded = { scope: "token" | "user"; limit: number; retryAfterSeconds: number };

/** Counts reserved per round trip: a fiftieth of the limit, at most 100 (1 for limits under 100). */
export function leaseSize(limit: number): number {
  return Math.max(1, Math.min(100, Math.floor(limit / 50)));
}

const MAX_LEASES = 20_000;

/**
 * The counts this instance has reserved in the current windows. A reservation (`INCRBY` by the
 * lease size) hands this instance a run of consecutive counts; requests take them one by one with
 * no round trip, and each is compared with the limit as if it had been counted alone. Counts are
 * never handed out twice, so every instance together admits at most the limit per window; what an
 * instance reserved and did not use (at most a lease per instance and window) is refused to the
 * others, a small, bounded under-admission.
 */
export class RateLimitLeases {
  private window = -1;
  private readonly leases = new Map<string, { next: number; last: number }>();

  /** The next count of `key` in `window`, or null when no reserved count is left. */
  take(key: string, window: number): number | null {
    if (window !== this.window) return null;
    const lease = this.leases.get(key);
    if (lease === undefined || lease.next > lease.last) return null;
    return lease.next++;
  }

  /** Stores a reservation that ended at `total`; returns its first count. */
  reserve(key: string, window: number, total: number, size: number): number {
    if (window !== this.window) {
      if (window < this.window) return total - size + 1;
      this.window = window;
      this.leases.clear();
    }
    if (this.leases.size >= MAX_LEASES) this.leases.clear();
    this.leases.set(key, { next: total - size + 2, last: total });
    return total - size + 1;
  }
}

type ScopeCheck = { scope: "token" | "user"; limit: number; key: string; size: number };

function firstExceeded(
  checks: readonly ScopeCheck[],
  counts: readonly number[],
  retryAfterSeconds: number,
): RateLimitExceeded | null {
  for (let index = 0; index < checks.length; index++) {
    const check = checks[index] as ScopeCheck;
    if ((counts[index] as number) > check.limit)
      return { scope: check.scope, limit: check.limit, retryAfterSeconds };
  }
  return null;
}

/** Every count came from a lease this instance holds: nothing to ask Redis. */
class CountedHere implements RateLimitCheck {
  readonly count = 0;
  constructor(private readonly exceeded: RateLimitExceeded | null) {}
  queue(): void {}
  read(): RateLimitExceeded | null {
    return this.exceeded;
  }
}

/** Counts reserved (or, without leases, counted one by one) on the request's Redis pipeline. */
class CountedInRedis implements RateLimitCheck {
  readonly count: number;
  constructor(
    private readonly checks: readonly ScopeCheck[],
    private readonly window: number,
    private readonly retryAfterSeconds: number,
    private readonly leases: RateLimitLeases | undefined,
  ) {
    this.count = checks.length * 2;
  }

  queue(pipeline: ChainableCommander): void {
    for (const check of this.checks)
      pipeline.incrby(check.key, check.size).pexpire(check.key, RATE_WINDOW_MS + 5_000);
  }

  read(replies: unknown[], offset: number): RateLimitExceeded | null {
    const { checks, leases, window } = this;
    const counts = checks.map((check, index) => {
      const total = Number(replies[offset + index * 2]);
      if (!Number.isFinite(total)) throw new Error("rate limit counter unreadable");
      return leases ? leases.reserve(check.key, window, total, check.size) : total;
    });
    return firstExceeded(checks, counts, this.retryAfterSeconds);
  }
}

export function rateLimitCheck(options: {
  limits: RateLimits;
  key: (...parts: string[]) => string;
  tokenId: string;
  userId: string;
  now: number;
  /** this instance's reserved counts; without them every request counts in Redis */
  leases?: RateLimitLeases;
  /** counts taken at once, in Redis, not from leases (a batch's further messages); 1 by default */
  weight?: number;
}): RateLimitCheck {
  const { limits, weight } = options;
  const leases = weight === undefined ? options.leases : undefined;
  const window = Math.floor(options.now / RATE_WINDOW_MS);
  const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * RATE_WINDOW_MS - options.now) / 1000));
  const checks: ScopeCheck[] = [];
  if (limits.perToken > 0)
    checks.push({
      scope: "token",
      limit: limits.perToken,
      key: options.key("mcp-rate", "token", options.tokenId, String(window)),
      size: leases ? leaseSize(limits.perToken) : (weight ?? 1),
    });
  if (limits.perUser > 0)
    checks.push({
      scope: "user",
      limit: limits.perUser,
      key: options.key("mcp-rate", "user", options.userId, String(window)),
      size: leases ? leaseSize(limits.perUser) : (weight ?? 1),
    });

  // Every count from a lease already held, taken now (synchronously, so no other request can take
  // the same ones), or none: a request that needs one round trip reserves anew for all its scopes.
  if (leases !== undefined) {
    const local: number[] = [];
    for (const check of checks) {
      const count = leases.take(check.key, window);
      if (count === null) break;
      local.push(count);
    }
    if (local.length === checks.length)
      return new CountedHere(firstExceeded(checks, local, retryAfterSeconds));
  }
  return new CountedInRedis(checks, window, retryAfterSeconds, leases);
}
