import { describe, expect, it } from "vitest";
import { resolveClientIp, trustedProxyList } from "@/server/http/client-ip";

describe("client IP resolution (PROTOCOL X8)", () => {
  const trusted = trustedProxyList(["10.0.0.0/8", "192.168.1.5"]);

  it("ignores X-Forwarded-For from an untrusted peer", () => {
    expect(resolveClientIp({ socketAddress: "203.0.113.9", forwardedFor: "1.2.3.4", trusted })).toEqual({
      ip: "203.0.113.9",
      viaTrustedProxy: false,
    });
  });

  it("takes the right-most untrusted hop behind trusted proxies", () => {
    const result = resolveClientIp({
      socketAddress: "10.1.2.3",
      forwardedFor: "6.6.6.6, 198.51.100.7, 192.168.1.5",
      trusted,
    });
    expect(result).toEqual({ ip: "198.51.100.7", viaTrustedProxy: true });
  });

  it("does not let a client prepend a fake address", () => {
    const result = resolveClientIp({
      socketAddress: "10.0.0.1",
      forwardedFor: "127.0.0.1, 198.51.100.7",
      trusted,
    });
    expect(result.ip).toBe("198.51.100.7");
  });

  it("normalizes IPv4-mapped IPv6 socket addresses", () => {
    expect(
      resolveClientIp({ socketAddress: "::ffff:10.0.0.2", forwardedFor: "198.51.100.8", trusted }).ip,
    ).toBe("198.51.100.8");
    expect(resolveClientIp({ socketAddress: "::ffff:127.0.0.1", forwardedFor: undefined, trusted }).ip).toBe(
      "127.0.0.1",
    );
  });

  it("skips junk entries in the header", () => {
    const result = resolveClientIp({
      socketAddress: "10.0.0.1",
      forwardedFor: "198.51.100.9, not-an-ip",
      trusted,
    });
    expect(result.ip).toBe("198.51.100.9");
  });

  it("trusts nobody by default", () => {
    const none = trustedProxyList([]);
    expect(resolveClientIp({ socketAddress: "127.0.0.1", forwardedFor: "6.6.6.6", trusted: none }).ip).toBe(
      "127.0.0.1",
    );
  });

  it("judges each list on its own, however often the same address comes back", () => {
    const others = trustedProxyList(["203.0.113.0/24"]);
    for (let round = 0; round < 3; round++) {
      expect(resolveClientIp({ socketAddress: "10.1.2.3", forwardedFor: "6.6.6.6", trusted }).ip).toBe(
        "6.6.6.6",
      );
      expect(
        resolveClientIp({ socketAddress: "10.1.2.3", forwardedFor: "6.6.6.6", trusted: others }).ip,
      ).toBe("10.1.2.3");
    }
  });
});
