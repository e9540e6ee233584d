import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import ipaddr from "ipaddr.js";

/**
 * Counts what one client address does to the sign-in pages, in Redis (shared by every instance), in
 * fixed windows. An account's own lockout stops guesses at one account; this stops one address from
 * guessing across many accounts (password spraying), from locking out account after account, and
 * from spending the gateway's CPU on argon2 verifications. An IPv6 client is counted per /64, the
 * block one host is usually given, so rotating addresses inside it does not reset the count.
 *
 * A request with no known address (no front in between, as under `next dev` without it) is not
 * counted: lumping every such request into one bucket would let one client lock out everyone.
 */
export type AddressThrottle = {
  /** what is counted, part of the Redis key */
  kind: string;
  /** events allowed per window and address; 0 turns the throttle off */
  limit: number;
  windowSeconds: number;
};

/** The part of an address that is counted: IPv4 as is, IPv6 by its /64 (IPv4-mapped as IPv4). */
export function addressBucket(clientIp: string): string | null {
  if (!ipaddr.isValid(clientIp)) return null;
  const address = ipaddr.process(clientIp);
  if (address.kind() === "ipv4") return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(":")}::/64`;
}

function throttleKey(
  prefix: string,
  throttle: AddressThrottle,
  clientIp: string | null | undefined,
): string | null {
  if (!clientIp || throttle.limit <= 0) return null;
  const bucket = addressBucket(clientIp);
  if (!bucket) return null;
  const id = createHash("sha256").update(bucket).digest("hex").slice(0, 32);
  return `${prefix}auth:address:${throttle.kind}:${id}`;
}

/**
 * Counts one attempt for the address before it is judged, atomically, so attempts sent in parallel
 * cannot all pass a count read earlier. `count` includes this attempt (0 when the address is not
 * counted); `retryAt` is when the window ends. A caller refuses an attempt whose count is over the
 * limit, and gives back (uncountFromAddress) one that turned out not to count, such as a success.
 */
export async function countFromAddress(
  redis: Redis,
  prefix: string,
  throttle: AddressThrottle,
  clientIp: string | null | undefined,
  now: Date,
): Promise<{ count: number; retryAt: Date }> {
  const key = throttleKey(prefix, throttle, clientIp);
  const windowEnd = new Date(now.getTime() + throttle.windowSeconds * 1000);
  if (!key) return { count: 0, retryAt: windowEnd };
  const [[, count], , [, ttlMs]] = (await redis
    .multi()
    .incr(key)
    .expire(key, throttle.windowSeconds, "NX")
    .pttl(key)
    .exec()) as [[Error | null, number], unknown, [Error | null, number]];
  return { count, retryAt: ttlMs > 0 ? new Date(now.getTime() + ttlMs) : windowEnd };
}

/** Gives back an attempt counted by countFromAddress that does not count (it succeeded). */
export async function uncountFromAddress(
  redis: Redis,
  prefix: string,
  throttle: AddressThrottle,
  clientIp: string | null | undefined,
): Promise<void> {
  const key = throttleKey(prefix, throttle, clientIp);
  if (key) await redis.decr(key);
}

/** Whether an attempt counted by countFromAddress is over the limit. */
export function isOverLimit(throttle: AddressThrottle, count: number): boolean {
  return throttle.limit > 0 && count > throttle.limit;
}
