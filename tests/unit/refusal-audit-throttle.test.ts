import { describe, expect, it } from "vitest";
import { RefusalAuditThrottle } from "@/server/services/tokens/refusal-audit-throttle";

/**
 * Which refusals of a stored credential get an audit row (server/services/tokens/refusal-audit-throttle.ts): the first,
 * then at most one per interval per credential and reason, each carrying the refusals skipped.
 */
const revoked = { tokenId: "t1", userId: "u1", reason: "revoked" };

describe("refusal audit throttle", () => {
  it("writes the first refusal, counts the rest of the interval, and reports them with the next row", () => {
    const throttle = new RefusalAuditThrottle(60_000);
    expect(throttle.admit(revoked, 0)).toBe(0);
    for (let at = 1; at <= 100; at++) expect(throttle.admit(revoked, at)).toBeNull();
    expect(throttle.admit(revoked, 60_000)).toBe(100);
    expect(throttle.admit(revoked, 60_001)).toBeNull();
  });

  it("keeps credentials and reasons apart", () => {
    const throttle = new RefusalAuditThrottle(60_000);
    expect(throttle.admit(revoked, 0)).toBe(0);
    expect(throttle.admit({ ...revoked, reason: "address_not_allowed" }, 1)).toBe(0);
    expect(throttle.admit({ ...revoked, tokenId: "t2" }, 2)).toBe(0);
  });

  it("a row that could not be written is retried by the next refusal, which counts it", () => {
    const throttle = new RefusalAuditThrottle(60_000);
    expect(throttle.admit(revoked, 0)).toBe(0);
    expect(throttle.admit(revoked, 1)).toBeNull();
    throttle.release(revoked, 0);
    expect(throttle.admit(revoked, 2)).toBe(2);
  });
});
