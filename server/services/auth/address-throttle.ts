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

/** When the address may try again, if it has used up its window; null while it may go on. */
export async function addressThrottledUntil(
  redis: Redis,
  prefix: string,
  throttle: AddressThrottle,
  clientIp: string | null | undefined,
  now: Date,
): Promise<Date | null> {
  const key = throttleKey(prefix, throttle, clientIp);
  if (!key) return null;
  const [[, count], [, ttlMs]] = (await redis.multi().get(key).pttl(key).exec()) as [
    [Error | null, string | null],
    [Error | null, number],
  ];
  if (Number(count ?? 0) < throttle.limit) return null;
  return new Date(now.getTime() + (ttlMs > 0 ? ttlMs : throttle.windowSeconds * 1000));
}

/**
 * Counts one event for the address. Returns the count so far in this window (0 when the address is
 * not counted), so a caller can tell the event that used up the window.
 */
export async function countFromAddress(
  redis: Redis,
  prefix: string,
  throttle: AddressThrottle,
  clientIp: string | null | undefined,
): Promise<number> {
  const key = throttleKey(prefix, throttle, clientIp);
  if (!key) return 0;
  const [[, count]] = (await redis.multi().incr(key).expire(key, throttle.windowSeconds, "NX").exec()) as [
    [Error | null, number],
    unknown,
  ];
  return count;
}
