import { describe, expect, it } from "vitest";
import { leaseSize, RATE_WINDOW_MS, RateLimitLeases, rateLimitCheck } from "@/server/mcp/rate-limit";

/**
 * Rate-limit leases (server/mcp/rate-limit.ts): instances reserve counts a few at a time instead of
 * counting every request in Redis. Here "Redis" is a map of counters answering INCRBY the way Redis
 * does, shared by the simulated instances; tests/integration/mcp-rate-limit.test.ts runs the real one.
 */

const key = (...parts: string[]) => parts.join(":");
const NOW = 10 * RATE_WINDOW_MS + 1_000;

/**
 * One instance's request, split where a real one awaits its round trip: `send` checks the leases
 * and queues the commands (Redis answers them at once), `settle` reads the replies.
 */
function send(
  leases: RateLimitLeases | undefined,
  counters: Map<string, number>,
  limits: { perToken: number; perUser: number },
  now = NOW,
) {
  const check = rateLimitCheck({ limits, key, tokenId: "t", userId: "u", now, ...(leases && { leases }) });
  const replies: unknown[] = [];
  check.queue({
    incrby(name: string, by: number) {
      const total = (counters.get(name) ?? 0) + by;
      counters.set(name, total);
      replies.push(total);
      return this;
    },
    pexpire() {
      replies.push(1);
      return this;
    },
  } as never);
  return { settle: () => ({ roundTrip: check.count > 0, exceeded: check.read(replies, 0) }) };
}

/** One instance's request, its reply read before the next one starts. */
function request(
  leases: RateLimitLeases | undefined,
  counters: Map<string, number>,
  limits: { perToken: number; perUser: number },
  now = NOW,
) {
  return send(leases, counters, limits, now).settle();
}

describe("rate-limit leases", () => {
  it("reserves a fiftieth of the limit at a time, between 1 and 100", () => {
    expect(leaseSize(4)).toBe(1);
    expect(leaseSize(1_000)).toBe(20);
    expect(leaseSize(2_000)).toBe(40);
    expect(leaseSize(1_000_000)).toBe(100);
  });

  it("needs one round trip per lease, and refuses exactly the requests past the limit", () => {
    const leases = new RateLimitLeases();
    const counters = new Map<string, number>();
    const limits = { perToken: 200, perUser: 0 };
    const results = Array.from({ length: 210 }, () => request(leases, counters, limits));
    expect(results.filter((result) => result.roundTrip)).toHaveLength(Math.ceil(210 / leaseSize(200)));
    expect(results.slice(0, 200).every((result) => result.exceeded === null)).toBe(true);
    expect(results.slice(200).every((result) => result.exceeded?.scope === "token")).toBe(true);
  });

  it("never admits more than the limit across instances, whatever the interleaving", () => {
    const counters = new Map<string, number>();
    const instances = [new RateLimitLeases(), new RateLimitLeases(), new RateLimitLeases()];
    const limits = { perToken: 0, perUser: 500 };
    let admitted = 0;
    for (let i = 0; i < 2_000; i++) {
      const on = instances[(i * 7) % 3] as RateLimitLeases;
      if (request(on, counters, limits).exceeded === null) admitted += 1;
    }
    expect(admitted).toBe(500);
    // At most one unused lease per instance could be lost to the others; here none is.
    expect(counters.get("mcp-rate:user:u:10")).toBeGreaterThanOrEqual(2_000);
  });

  it("concurrent misses waste no counts: waves of concurrent requests under the limit are all admitted", () => {
    const leases = new RateLimitLeases();
    const counters = new Map<string, number>();
    const limits = { perToken: 1_000, perUser: 2_000 };
    const results = [];
    for (let wave = 0; wave < 10; wave++) {
      const inFlight = Array.from({ length: 30 }, () => send(leases, counters, limits));
      results.push(...inFlight.map((pending) => pending.settle()));
    }
    expect(results.filter((result) => result.exceeded !== null)).toEqual([]);
    // Reserved in Redis: the 300 requests' counts and at most one lease still held per key.
    expect(counters.get("mcp-rate:token:t:10")).toBeLessThanOrEqual(300 + leaseSize(1_000));
    expect(counters.get("mcp-rate:user:u:10")).toBeLessThanOrEqual(300 + leaseSize(2_000));
  });

  it("concurrent requests on two instances never pass the limit, and fall short by at most a lease each", () => {
    const counters = new Map<string, number>();
    const instances = [new RateLimitLeases(), new RateLimitLeases()];
    const limits = { perToken: 400, perUser: 0 };
    let admittedCount = 0;
    const queue: { settle: () => { exceeded: unknown } }[] = [];
    for (let i = 0; i < 600; i++) {
      queue.push(send(instances[i % 2] as RateLimitLeases, counters, limits));
      if (queue.length > 7) {
        const [done] = queue.splice(i % 5, 1);
        if (done?.settle().exceeded === null) admittedCount += 1;
      }
    }
    for (const done of queue) if (done.settle().exceeded === null) admittedCount += 1;
    // Never past the limit; short of it by at most what each instance still holds.
    expect(admittedCount).toBeLessThanOrEqual(400);
    expect(admittedCount).toBeGreaterThanOrEqual(400 - 2 * leaseSize(400));
  });

  it("a count taken from one scope's lease is kept while the other scope reserves", () => {
    const leases = new RateLimitLeases();
    const counters = new Map<string, number>();
    // Leases of 1 and 2: every request reserves for the token, every other one for the user too.
    const limits = { perToken: 60, perUser: 100 };
    const results = Array.from({ length: 61 }, () => request(leases, counters, limits));
    expect(results.slice(0, 60).every((result) => result.exceeded === null)).toBe(true);
    expect(results[60]?.exceeded?.scope).toBe("token");
    expect(counters.get("mcp-rate:user:u:10")).toBeLessThanOrEqual(62);
  });

  it("a lease whose reply never came blocks further leases only for a few seconds", () => {
    const leases = new RateLimitLeases();
    const counters = new Map<string, number>();
    const limits = { perToken: 1_000, perUser: 0 };
    send(leases, counters, limits); // its round trip failed: never settled
    request(leases, counters, limits);
    expect(counters.get("mcp-rate:token:t:10")).toBe(21);
    request(leases, counters, limits, NOW + 6_000);
    expect(counters.get("mcp-rate:token:t:10")).toBe(41);
    expect(request(leases, counters, limits, NOW + 6_000).roundTrip).toBe(false);
  });

  it("starts over in a new window, with Retry-After up to the window's end", () => {
    const leases = new RateLimitLeases();
    const counters = new Map<string, number>();
    const limits = { perToken: 2, perUser: 0 };
    request(leases, counters, limits);
    request(leases, counters, limits);
    const refused = request(leases, counters, limits);
    expect(refused.exceeded).toEqual({ scope: "token", limit: 2, retryAfterSeconds: 59 });
    const next = request(leases, counters, limits, NOW + RATE_WINDOW_MS);
    expect(next).toEqual({ roundTrip: true, exceeded: null });
  });

  it("without leases every request counts in Redis, one at a time", () => {
    const counters = new Map<string, number>();
    const limits = { perToken: 1_000, perUser: 1_000 };
    const results = Array.from({ length: 5 }, () => request(undefined, counters, limits));
    expect(results.every((result) => result.roundTrip)).toBe(true);
    expect(counters.get("mcp-rate:token:t:10")).toBe(5);
  });
});
