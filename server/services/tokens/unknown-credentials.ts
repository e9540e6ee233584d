import { hash } from "node:crypto";
import type { Redis } from "ioredis";
import { BoundedMap } from "../../bounded-map";
import { type AddressThrottle, addressBucket, countFromAddress, isOverLimit } from "../auth/address-throttle";

/**
 * Credentials that match no stored one (no such key id, or a wrong secret for one) cost a database
 * lookup each, so one client address may present at most this many in 15 minutes, on the MCP
 * endpoints and the Registry API together (every instance counting together, in Redis); past that,
 * credentials from that address that this instance has not seen accepted before are refused without
 * a lookup (429) until the window ends. Refused real credentials (revoked, expired…) do not count,
 * and credentials seen accepted and the gateway's own re-checks of open streams are never refused
 * this way: neighbours behind the same NAT keep working.
 */
export const UNKNOWN_CREDENTIAL_THROTTLE: AddressThrottle = {
  kind: "unknown-credential",
  limit: 200,
  windowSeconds: 15 * 60,
};

/** What a bearer is remembered by in process memory: a SHA-256, never the bearer itself. */
export function credentialKey(bearer: string): string {
  return hash("sha256", bearer, "base64url");
}

/**
 * One instance's side of UNKNOWN_CREDENTIAL_THROTTLE: the addresses it refuses until a time, and the
 * credentials it has seen accepted. Both maps are bounded.
 */
export class UnknownCredentialGuard {
  /** client addresses (addressBucket) refused without a lookup until the time stored */
  private readonly refusedAddresses: BoundedMap<number>;
  /** credentials (credentialKey) this instance has seen accepted: never refused by address */
  private readonly knownGood: BoundedMap<true>;

  constructor(maxEntries = 10_000) {
    this.refusedAddresses = new BoundedMap(maxEntries);
    this.knownGood = new BoundedMap(maxEntries);
  }

  /** Seconds until `clientIp` may present a credential not seen accepted here, or null: look it up. */
  refusedForSeconds(key: string, clientIp: string | null, now: number): number | null {
    if (clientIp === null || this.knownGood.get(key) !== undefined) return null;
    const bucket = addressBucket(clientIp);
    const until = bucket === null ? undefined : this.refusedAddresses.get(bucket);
    if (until === undefined || until <= now) return null;
    return Math.max(1, Math.ceil((until - now) / 1000));
  }

  accepted(key: string): void {
    this.knownGood.set(key, true);
  }

  /**
   * Counts a credential that matched no stored one against its address. Redis down: not counted
   * (the request is refused anyway, 401).
   */
  async countUnknown(redis: Redis, prefix: string, clientIp: string | null, now: number): Promise<void> {
    const bucket = clientIp === null ? null : addressBucket(clientIp);
    if (bucket === null) return;
    try {
      const { count, retryAt } = await countFromAddress(
        redis,
        prefix,
        UNKNOWN_CREDENTIAL_THROTTLE,
        clientIp,
        new Date(now),
      );
      if (isOverLimit(UNKNOWN_CREDENTIAL_THROTTLE, count))
        this.refusedAddresses.set(bucket, retryAt.getTime());
    } catch {
      // Redis is down: the request is refused anyway (401).
    }
  }
}
