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

/** How long a lease reservation counts as in flight when its reply never comes (Redis failed). */
const IN_FLIGHT_MS = 5_000;

type Run = { next: number; last: number };

/**
 * The counts this instance has reserved in the current windows. A reservation (`INCRBY` by the
 * lease size) hands this instance a run of consecutive counts; requests take them one by one with
 * no round trip, and each is compared with the limit as if it had been counted alone. Counts are
 * never handed out twice, so every instance together admits at most the limit per window.
 *
 * Concurrent misses must not waste counts: only one lease per key is in flight at a time (the
 * others reserve just their own count), and a reservation adds its run to the ones still held
 * rather than replacing them. What an instance reserved and did not use (about a lease per
 * instance and window) is refused to the others, a small, bounded under-admission.
 */
export class RateLimitLeases {
  private window = -1;
  private readonly leases = new Map<string, Run[]>();
  /** keys with a lease reservation in flight, and when it was sent */
  private readonly inFlight = new Map<string, number>();

  /** The next count of `key` in `window`, or null when no reserved count is left. */
  take(key: string, window: number): number | null {
    if (window !== this.window) return null;
    const runs = this.leases.get(key);
    const run = runs?.[0];
    if (runs === undefined || run === undefined) return null;
    const count = run.next++;
    if (run.next > run.last) {
      runs.shift();
      if (runs.length === 0) this.leases.delete(key);
    }
    return count;
  }

  /**
   * Whether a request that missed may reserve a whole lease for `key` (and marks it in flight); if
   * one is already in flight it reserves only its own count, so a burst of concurrent misses does
   * not strand a lease per request.
   */
  claimLease(key: string, window: number, now: number): boolean {
    if (window < this.window) return false;
    if (window > this.window) this.startWindow(window);
    const since = this.inFlight.get(key);
    if (since !== undefined && now - since < IN_FLIGHT_MS) return false;
    if (this.inFlight.size >= MAX_LEASES) this.inFlight.clear();
    this.inFlight.set(key, now);
    return true;
  }

  /**
   * Stores a reservation that ended at `total`; returns its first count. The rest joins the runs
   * still held (ordered, so the lowest counts go first); `isLease` ends the key's lease in flight.
   */
  reserve(key: string, window: number, total: number, size: number, isLease = false): number {
    const first = total - size + 1;
    if (window !== this.window) {
      if (window < this.window) return first;
      this.startWindow(window);
    }
    if (isLease) this.inFlight.delete(key);
    if (size < 2) return first;
    if (this.leases.size >= MAX_LEASES && !this.leases.has(key)) this.leases.clear();
    const runs = this.leases.get(key) ?? [];
    const run = { next: first + 1, last: total };
    const at = runs.findIndex((held) => held.next > run.next);
    runs.splice(at === -1 ? runs.length : at, 0, run);
    this.leases.set(key, runs);
    return first;
  }

  private startWindow(window: number): void {
    this.window = window;
    this.leases.clear();
    this.inFlight.clear();
  }
}

type ScopeCheck = {
  scope: "token" | "user";
  limit: number;
  key: string;
  /** counts to reserve in Redis */
  size: number;
  /** whether this reservation is the key's lease in flight (RateLimitLeases.claimLease) */
  isLease?: boolean;
};

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

/**
 * Counts reserved (or, without leases, counted one by one) on the request's Redis pipeline, for
 * the scopes whose count was not taken from a lease already held (`local[index]` when it was).
 */
class CountedInRedis implements RateLimitCheck {
  readonly count: number;
  private readonly remote: readonly ScopeCheck[];
  constructor(
    private readonly checks: readonly ScopeCheck[],
    private readonly local: readonly (number | null)[],
    private readonly window: number,
    private readonly retryAfterSeconds: number,
    private readonly leases: RateLimitLeases | undefined,
  ) {
    this.remote = checks.filter((_, index) => local[index] == null);
    this.count = this.remote.length * 2;
  }

  queue(pipeline: ChainableCommander): void {
    for (const check of this.remote)
      pipeline.incrby(check.key, check.size).pexpire(check.key, RATE_WINDOW_MS + 5_000);
  }

  read(replies: unknown[], offset: number): RateLimitExceeded | null {
    const { checks, local, leases, window } = this;
    let reply = 0;
    const counts = checks.map((check, index) => {
      const held = local[index];
      if (held != null) return held;
      const total = Number(replies[offset + reply++ * 2]);
      if (!Number.isFinite(total)) throw new Error("rate limit counter unreadable");
      return leases ? leases.reserve(check.key, window, total, check.size, check.isLease) : total;
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
      size: weight ?? 1,
    });
  if (limits.perUser > 0)
    checks.push({
      scope: "user",
      limit: limits.perUser,
      key: options.key("mcp-rate", "user", options.userId, String(window)),
      size: weight ?? 1,
    });
  if (leases === undefined) return new CountedInRedis(checks, [], window, retryAfterSeconds, undefined);

  // Counts from leases already held are taken now (synchronously, so no other request can take the
  // same ones) and kept even when another scope needs a round trip; only the scopes that missed
  // reserve, a whole lease unless one is already in flight for that key.
  const local = checks.map((check) => leases.take(check.key, window));
  if (local.every((count) => count !== null))
    return new CountedHere(firstExceeded(checks, local, retryAfterSeconds));
  checks.forEach((check, index) => {
    if (local[index] !== null) return;
    check.isLease = leases.claimLease(check.key, window, options.now);
    check.size = check.isLease ? leaseSize(check.limit) : 1;
  });
  return new CountedInRedis(checks, local, window, retryAfterSeconds, leases);
}
