import { describe, expect, it } from "vitest";
import { checkOutboundUrl, hostAddresses, refusedAddressReason } from "@/server/security/outbound-url";

const NO_EXCEPTIONS = { allowedHosts: [] };
const resolveTo =
  (...addresses: string[]) =>
  async () =>
    addresses;

describe("SSRF guard (PROTOCOL X1)", () => {
  it.each([
    ["http://127.0.0.1/mcp", "loopback"],
    ["http://localhost:3000/mcp", "loopback"],
    ["http://[::1]/mcp", "loopback"],
    ["http://10.0.0.5/mcp", "private"],
    ["http://172.16.3.4/mcp", "private"],
    ["http://192.168.1.1/mcp", "private"],
    ["http://169.254.169.254/latest/meta-data/", "link-local"],
    ["http://100.64.0.7/mcp", "carrier-grade NAT"],
    ["http://[fd00:ec2::254]/", "unique-local"],
    ["http://[::ffff:127.0.0.1]/", "loopback"],
    ["http://[::ffff:7f00:1]/", "loopback"],
    ["http://[::127.0.0.1]/", "IPv4-compatible"],
    ["http://[::a9fe:a9fe]/", "IPv4-compatible"],
    ["http://2130706433/", "loopback"],
    ["http://0x7f.0.0.1/", "loopback"],
    ["http://0177.0.0.1/", "loopback"],
    ["http://127.1/", "loopback"],
    ["http://0.0.0.0/", "unspecified"],
    ["http://224.0.0.1/", "multicast"],
    ["http://[64:ff9b::7f00:1]/", "translation"],
  ])("refuses %s (%s)", async (url, words) => {
    const result = await checkOutboundUrl(url, NO_EXCEPTIONS, resolveTo("127.0.0.1"));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(words);
  });

  it.each([
    ["file:///etc/passwd", "only http and https"],
    ["gopher://example.com/", "only http and https"],
    ["javascript:alert(1)", "only http and https"],
    ["http://user:pass@example.com/", "user name or password"],
    ["http://example.com@169.254.169.254/", "user name or password"],
    ["not a url", "not a valid URL"],
  ])("refuses %s", async (url, words) => {
    const result = await checkOutboundUrl(url, NO_EXCEPTIONS, resolveTo("93.184.216.34"));
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining(words) });
  });

  it("refuses a public name that resolves to an internal address (any of them)", async () => {
    const result = await checkOutboundUrl(
      "https://internal.example.com/mcp",
      NO_EXCEPTIONS,
      resolveTo("93.184.216.34", "10.1.1.1"),
    );
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringContaining("internal.example.com resolves to a private network address"),
    });
    // Which internal address a name has is not told (refusals would map the internal network).
    expect(result.ok === false && result.reason).not.toContain("10.1.1.1");
  });

  it("allows public addresses and names", async () => {
    expect(
      await checkOutboundUrl("https://mcp.example.com/mcp", NO_EXCEPTIONS, resolveTo("93.184.216.34")),
    ).toMatchObject({
      ok: true,
      allowedByAdmin: false,
    });
    expect((await checkOutboundUrl("http://8.8.8.8/", NO_EXCEPTIONS)).ok).toBe(true);
  });

  it("lets an admin allow a specific internal host, by host or host:port only", async () => {
    const policy = { allowedHosts: ["127.0.0.1:3901", "mcp.internal"] };
    expect(await checkOutboundUrl("http://127.0.0.1:3901/mcp", policy)).toMatchObject({
      ok: true,
      allowedByAdmin: true,
    });
    expect((await checkOutboundUrl("http://127.0.0.1:3902/mcp", policy)).ok).toBe(false);
    expect((await checkOutboundUrl("https://MCP.internal/x", policy, resolveTo("10.0.0.1"))).ok).toBe(true);
    // An allowed host never makes credentials or other schemes acceptable.
    expect((await checkOutboundUrl("http://a:b@127.0.0.1:3901/", policy)).ok).toBe(false);
  });

  it("names what is wrong with an address", () => {
    expect(refusedAddressReason("169.254.169.254")).toMatch(/cloud metadata/);
    expect(refusedAddressReason("93.184.216.34")).toBeNull();
    expect(refusedAddressReason("not-an-ip")).toMatch(/cannot be parsed/);
  });

  it("refuses a public address of Gatehouse's own host, in any of its spellings", () => {
    const own = new Set(["93.184.216.34", "2001:4860:0:0:0:0:0:8888"]);
    expect(refusedAddressReason("93.184.216.34", own)).toBe("an address of Gatehouse's own host");
    expect(refusedAddressReason("::ffff:93.184.216.34", own)).toBe("an address of Gatehouse's own host");
    expect(refusedAddressReason("2001:4860::8888", own)).toBe("an address of Gatehouse's own host");
    expect(refusedAddressReason("93.184.216.35", own)).toBeNull();
    // Read from the machine's interfaces: loopback is always among them.
    expect(hostAddresses().has("127.0.0.1")).toBe(true);
  });
});
