import { BoundedMap } from "../../bounded-map";

/** The refusal of a stored credential, as far as the throttle needs it (never the secret). */
export type ThrottledRefusal = { tokenId: string; reason: string };

/**
 * Which credential refusals get an audit row, on every endpoint that takes API tokens (the MCP proxy
 * and the Registry API). Refusals come before the rate limits (those count authenticated requests
 * only), so a client retrying a revoked token in a loop would otherwise add a row per request. The
 * first refusal of each (credential, reason) is written, then at most one per `intervalMs` on this
 * instance, carrying how many were not written since. So the rows of one credential are bounded by
 * reasons × instances per interval, and only credentials that exist can add any. Process-wide
 * state, bounded like the other per-process maps.
 */
export class RefusalAuditThrottle {
  private readonly last: BoundedMap<{ at: number; skipped: number }>;
  constructor(
    private readonly intervalMs = 60_000,
    maxEntries = 10_000,
  ) {
    this.last = new BoundedMap(maxEntries);
  }

  /** null: not written this time (counted for the next row); else the refusals skipped before it. */
  admit(refusal: ThrottledRefusal, now: number): number | null {
    const key = `${refusal.tokenId}:${refusal.reason}`;
    const entry = this.last.get(key);
    if (entry !== undefined && now - entry.at < this.intervalMs) {
      entry.skipped += 1;
      return null;
    }
    this.last.set(key, { at: now, skipped: 0 });
    return entry?.skipped ?? 0;
  }

  /**
   * Writes the refusal's row with `write(skipped)` when this refusal is admitted (`skipped`: the
   * refusals not written since the last row). If the write fails, the next refusal is written
   * instead, counting this one, and the error is passed on.
   */
  async record(
    refusal: ThrottledRefusal,
    now: number,
    write: (skipped: number) => Promise<void>,
  ): Promise<void> {
    const skipped = this.admit(refusal, now);
    if (skipped === null) return;
    try {
      await write(skipped);
    } catch (error) {
      this.release(refusal, skipped);
      throw error;
    }
  }

  /** The admitted row could not be written: the next refusal is written instead, with these counted. */
  release(refusal: ThrottledRefusal, skipped: number): void {
    const key = `${refusal.tokenId}:${refusal.reason}`;
    const entry = this.last.get(key);
    this.last.delete(key);
    this.last.set(key, { at: Number.NEGATIVE_INFINITY, skipped: skipped + 1 + (entry?.skipped ?? 0) });
  }
}
