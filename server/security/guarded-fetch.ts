import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { Agent, fetch as undiciFetch } from "undici";
import { checkOutboundUrl, type OutboundPolicy, refusedAddressReason } from "./outbound-url";

/**
 * fetch for outbound connections to URLs that people or upstreams supplied. Before each request
 * (and each redirect, followed by hand) the URL passes the SSRF guard; at connect time the address
 * DNS actually returned is checked again, so a name that resolves to a public address for the
 * check and to 169.254.169.254 for the connection (DNS rebinding) is still refused.
 */
export type GuardedFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

export class OutboundRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`Refused to connect: ${reason}`);
    this.name = "OutboundRefusedError";
  }
}

const MAX_REDIRECTS = 5;

type UndiciInit = NonNullable<Parameters<typeof undiciFetch>[1]>;

function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const allowed = policy.allowedHosts.some(
        (entry) => entry.split(":")[0]?.toLowerCase() === hostname.toLowerCase(),
      );
      const refused = allowed ? undefined : addresses.find((entry) => refusedAddressReason(entry.address));
      if (refused) {
        return callback(
          new OutboundRefusedError(`${hostname} resolved to ${refused.address} at connect time`),
          "",
          0,
        );
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      return first
        ? callback(null, first.address, first.family)
        : callback(new Error(`${hostname} did not resolve`), "", 0);
    });
  };
}

export function createGuardedFetch(policy: OutboundPolicy): GuardedFetch {
  const dispatcher = new Agent({ connect: { lookup: guardedLookup(policy) } });
  return async (input, init = {}) => {
    let url = String(input);
    let method = init.method ?? "GET";
    let body = init.body;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const check = await checkOutboundUrl(url, policy);
      if (!check.ok) throw new OutboundRefusedError(check.reason);
      // The global RequestInit/Response and undici's are the same at run time but distinct types.
      const request = { ...init, method, body, redirect: "manual", dispatcher } as unknown as UndiciInit;
      const response = (await undiciFetch(url, request)) as unknown as Response;
      const location = response.headers.get("location");
      if (response.status < 300 || response.status > 399 || !location) return response;
      await response.body?.cancel();
      url = new URL(location, url).toString();
      // 303 (and 301/302 after a POST, as browsers do) turn into a GET without a body.
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === "POST")
      ) {
        method = "GET";
        body = undefined;
      }
    }
    throw new OutboundRefusedError(`more than ${MAX_REDIRECTS} redirects`);
  };
}
