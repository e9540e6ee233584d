import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import ipaddr from "ipaddr.js";

/**
 * The SSRF guard (PROTOCOL X1) for every URL Gatehouse itself connects to (upstream MCP servers,
 * their OAuth metadata): http(s) only, no credentials in the URL, and every address the host
 * resolves to must be public unicast: loopback, private, link-local (cloud metadata), CGNAT,
 * unique-local, multicast, reserved, IPv4-mapped/translated forms of those, … are refused, unless
 * an admin explicitly allowed the host. WHATWG URL parsing already turns decimal, octal and hex
 * IPv4 forms ("http://2130706433", "http://0x7f.1") into dotted quads, so they meet the same check.
 * The check runs at registration, at connect time (see guarded-fetch.ts) and on every redirect.
 */
export type OutboundPolicy = {
  /** admin-allowed exceptions: "host" (any port) or "host:port", e.g. "127.0.0.1:3901" */
  allowedHosts: readonly string[];
  /**
   * Those of allowedHosts that any publisher's servers may reach too, not only the ones an admin
   * vouched for (policyForVersion): the demo's local upstreams, a sandbox everyone may use
   */
  everyoneHosts?: readonly string[];
  /**
   * Allowed hosts this caller may not use (a server version no admin vouched for, see
   * policyForVersion): refused like any internal host, with a reason saying why.
   */
  withheldHosts?: readonly string[];
  /** what a refusal of a withheld host tells the caller to do (the default names explicit allowing) */
  withheldRemedy?: string;
};

export type OutboundCheck = { ok: true; url: URL; allowedByAdmin: boolean } | { ok: false; reason: string };

export type Resolver = (hostname: string) => Promise<string[]>;

const defaultResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** ipaddr.js range names we refuse, with the words a person reads. */
const REFUSED_RANGES: Record<string, string> = {
  unspecified: "an unspecified address",
  broadcast: "a broadcast address",
  multicast: "a multicast address",
  linkLocal: "a link-local address (this includes cloud metadata endpoints)",
  loopback: "a loopback address",
  carrierGradeNat: "a carrier-grade NAT address",
  private: "a private network address",
  reserved: "a reserved address",
  uniqueLocal: "a unique-local IPv6 address",
  benchmarking: "a benchmarking address",
  amt: "an AMT relay address",
  as112: "an AS112 address",
  deprecated: "a deprecated address",
  orchid2: "an ORCHIDv2 address",
  droneRemoteIdProtocolEntityTags: "a reserved address",
  rfc6145: "an IPv4-translated address",
  rfc6052: "an IPv4/IPv6 translation address",
  "6to4": "a 6to4 address",
  teredo: "a Teredo address",
  discard: "a discard-only address",
};

/** Why an IP address may not be dialled, or null when it is public unicast. */
export function refusedAddressReason(
  address: string,
  ownAddresses: ReadonlySet<string> = hostAddresses(),
): string | null {
  if (!ipaddr.isValid(address)) return "an address that cannot be parsed";
  let parsed = ipaddr.parse(address);
  // ::ffff:127.0.0.1 is 127.0.0.1 on the wire: judge the IPv4 inside.
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  if (range !== "unicast") return REFUSED_RANGES[range] ?? `a non-public address (${range})`;
  // ::a.b.c.d (IPv4-compatible, ::/96, deprecated) is nobody's public address; some stacks may
  // reach the IPv4 address inside.
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0))
    return "an IPv4-compatible IPv6 address";
  // A public address of Gatehouse's own machine reaches whatever listens on all interfaces there.
  if (ownAddresses.has(parsed.toNormalizedString())) return "an address of Gatehouse's own host";
  return null;
}

const HOST_ADDRESSES_TTL_MS = 60_000;
let hostAddressesRead: { addresses: ReadonlySet<string>; at: number } | null = null;

/** This machine's interface addresses (normalized), read again after a minute (DHCP, new links). */
export function hostAddresses(now = Date.now()): ReadonlySet<string> {
  if (hostAddressesRead === null || now - hostAddressesRead.at > HOST_ADDRESSES_TTL_MS) {
    const addresses = new Set<string>();
    for (const entries of Object.values(networkInterfaces()))
      for (const entry of entries ?? []) {
        const address = entry.address.replace(/%.*$/, "");
        if (ipaddr.isValid(address)) addresses.add(ipaddr.parse(address).toNormalizedString());
      }
    hostAddressesRead = { addresses, at: now };
  }
  return hostAddressesRead.addresses;
}

function isListed(url: URL, hosts: readonly string[]): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return hosts.some((entry) => {
    const normalized = entry.trim().toLowerCase();
    return normalized === host || normalized === `${host}:${port}` || normalized === `[${host}]:${port}`;
  });
}

/** Checks a URL before Gatehouse connects to it. Never throws; the reason is shown to people. */
export async function checkOutboundUrl(
  raw: string,
  policy: OutboundPolicy,
  resolve: Resolver = defaultResolver,
): Promise<OutboundCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not a valid URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return {
      ok: false,
      reason: `only http and https URLs are allowed, not ${url.protocol.replace(/:$/, "")}`,
    };
  }
  if (url.username || url.password) {
    return { ok: false, reason: "URLs may not carry a user name or password (user@host)" };
  }
  if (isListed(url, policy.allowedHosts)) return { ok: true, url, allowedByAdmin: true };
  const withheld = policy.withheldHosts !== undefined && isListed(url, policy.withheldHosts);

  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      return { ok: false, reason: `${host} does not resolve` };
    }
    if (addresses.length === 0) return { ok: false, reason: `${host} does not resolve` };
  }
  for (const address of addresses) {
    const reason = refusedAddressReason(address);
    if (reason) {
      const remedy = withheld
        ? (policy.withheldRemedy ?? "an admin allowed this host, but not for this use")
        : "an admin can allow this host explicitly";
      return {
        ok: false,
        // A name's address is not named: whoever can make Gatehouse look a name up (a publisher,
        // an agent) would otherwise learn the internal network's names and addresses from refusals.
        reason: `${host === address ? `${address}, ${reason}` : `${host} resolves to ${reason}`}; ${remedy}`,
      };
    }
  }
  return { ok: true, url, allowedByAdmin: false };
}
