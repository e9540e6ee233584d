import { describe, expect, it } from "vitest";
import { describeSignInError } from "@/app/signin/sign-in-errors";
import { addressBucket } from "@/server/services/auth/address-throttle";

describe("the address a failed sign-in counts against", () => {
  it("is an IPv4 address as it is, also when it arrives IPv4-mapped", () => {
    expect(addressBucket("198.51.100.7")).toBe("198.51.100.7");
    expect(addressBucket("::ffff:198.51.100.7")).toBe("198.51.100.7");
  });

  it("is an IPv6 address's /64, however it is written", () => {
    expect(addressBucket("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(addressBucket("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(addressBucket("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
  });

  it("is nothing for what is not an address", () => {
    expect(addressBucket("unknown")).toBeNull();
    expect(addressBucket("")).toBeNull();
  });
});

describe("the sign-in page's words for a refusal", () => {
  it("says until when an account is locked, and until when an address is held back", () => {
    const at = new Date(2026, 10, 23, 14, 5).getTime();
    expect(describeSignInError(`locked.${at}`)).toMatch(/account is locked until 0?2:05|14:05/);
    expect(describeSignInError(`throttled.${at}`)).toMatch(
      /^Too many failed sign-ins from your network\. Try again after .*(0?2:05|14:05)/,
    );
    expect(describeSignInError("throttled.not-a-time")).toContain("after a few minutes");
  });
});
