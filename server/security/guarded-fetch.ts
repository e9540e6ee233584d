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

/** Limits on everything one guarded fetch does (all its requests together, for the deadline). */
export type GuardedFetchOptions = {
  /** aborts every request of this fetch, and the reading of their bodies */
  signal?: AbortSignal;
  /** a response body longer than this fails while it is read (a larger Content-Length at once) */
  maxResponseBytes?: number;
};

export class ResponseTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The response is larger than ${maxBytes} bytes.`);
    this.name = "ResponseTooLargeError";
  }
}

/** `response` with a body that errors once more than `maxBytes` have been read. */
function capped(response: Response, maxBytes: number): Response {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    void response.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(maxBytes);
  }
  if (response.body === null) return response;
  let read = 0;
  const counting = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      read += chunk.byteLength;
      if (read > maxBytes) controller.error(new ResponseTooLargeError(maxBytes));
      else controller.enqueue(chunk);
    },
  });
  return new Response(response.body.pipeThrough(counting), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * Redirects: `redirect: "manual"` gets the 3xx back (checked like any answer), as the MCP SDK
 * asks for so it can follow same-origin redirects only; `"error"` refuses one. Otherwise they are
 * followed here, each hop checked again, but never from https to http, and a hop to another origin
 * carries none of the caller's headers (credentials are for the origin they were configured for)
 * and is refused when it would re-send the request body (307/308).
 */
export function createGuardedFetch(policy: OutboundPolicy, options: GuardedFetchOptions = {}): GuardedFetch {
  const dispatcher = new Agent({ connect: { lookup: guardedLookup(policy) } });
  return async (input, init = {}) => {
    let url = String(input);
    let method = init.method ?? "GET";
    let body = init.body;
    let headers = init.headers;
    const signals = [init.signal, options.signal].filter((signal): signal is AbortSignal => !!signal);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const check = await checkOutboundUrl(url, policy);
      if (!check.ok) throw new OutboundRefusedError(check.reason);
      // The global RequestInit/Response and undici's are the same at run time but distinct types.
      const request = {
        ...init,
        method,
        body,
        headers,
        signal,
        redirect: "manual",
        dispatcher,
      } as unknown as UndiciInit;
      const response = (await undiciFetch(url, request)) as unknown as Response;
      const location = response.headers.get("location");
      const isRedirect = response.status >= 300 && response.status <= 399 && location !== null;
      if (!isRedirect || init.redirect === "manual")
        return options.maxResponseBytes === undefined ? response : capped(response, options.maxResponseBytes);
      await response.body?.cancel();
      if (init.redirect === "error") throw new OutboundRefusedError(`a redirect to ${location}`);
      const from = new URL(url);
      const to = new URL(location, url);
      if (from.protocol === "https:" && to.protocol === "http:")
        throw new OutboundRefusedError(`a redirect from https to ${to.origin}`);
      // 303 (and 301/302 after a POST, as browsers do) turn into a GET without a body.
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === "POST")
      ) {
        method = "GET";
        body = undefined;
      }
      if (to.origin !== from.origin) {
        if (body !== undefined && body !== null)
          throw new OutboundRefusedError(`a redirect to ${to.origin} that would re-send the request body`);
        headers = undefined;
      }
      url = to.toString();
    }
    throw new OutboundRefusedError(`more than ${MAX_REDIRECTS} redirects`);
  };
}
