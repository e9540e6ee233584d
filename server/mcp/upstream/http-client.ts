import { lookup } from "node:dns/promises";
import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";
import { Client, type Dispatcher, Pool } from "undici";
import { BoundedMap } from "../../bounded-map";
import { checkOutboundUrl, type OutboundPolicy, type Resolver } from "../../security/outbound-url";
import type { AbortLike } from "./cancellation";

/**
 * Outbound HTTP toward upstream MCP servers: undici's dispatcher with keep-alive pools and a handler
 * of our own (measured cheaper per call than node:http's `request`, itself 0.2–0.5 ms cheaper than
 * fetch; see README "Benchmark"), through the SSRF guard (PROTOCOL X1) with the dialled
 * address pinned: the name is resolved once, every address is checked, and the socket is opened to
 * the checked address itself (Host and TLS SNI keep the name). A name that resolves somewhere else
 * a moment later (DNS rebinding) therefore changes nothing, and pooled sockets are keyed by the
 * address they really go to.
 *
 * Bounded (X9): connect, response-headers and idle timeouts, and a byte cap on what is read. A
 * hanging or flooding upstream costs one socket for a bounded time and a bounded amount of memory.
 */

export type UpstreamLimits = {
  connectTimeoutMs: number;
  /** from sending the request to the response's status line and headers */
  headersTimeoutMs: number;
  /** longest silence while reading a response body (POST answers); GET streams have none */
  idleTimeoutMs: number;
  /** cap on a JSON response, and on one SSE event */
  maxMessageBytes: number;
  /** cap on everything read from one POST's SSE stream */
  maxStreamBytes: number;
};

export const DEFAULT_UPSTREAM_LIMITS: UpstreamLimits = {
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 60_000,
  idleTimeoutMs: 120_000,
  maxMessageBytes: 8 * 1024 * 1024,
  maxStreamBytes: 64 * 1024 * 1024,
};

export type UpstreamFailureKind = "refused" | "unreachable" | "timeout" | "too_large" | "protocol";

export class UpstreamFailure extends Error {
  constructor(
    readonly kind: UpstreamFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "UpstreamFailure";
  }
}

export type DialTarget = {
  url: URL;
  address: string;
  family: 4 | 6;
  /** the name TLS sends and verifies (https to a host name); absent for http or an IP literal */
  servername?: string;
};

const defaultResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

const DNS_CACHE_MS = 10_000;
const DNS_CACHE_MAX = 1_000;
const dnsCache = new BoundedMap<{ addresses: string[]; expires: number }>(DNS_CACHE_MAX);

/** Resolution cached for a few seconds: the addresses are checked on every request either way. */
const cachedResolver: Resolver = async (hostname) => {
  const now = Date.now();
  const hit = dnsCache.get(hostname);
  if (hit && hit.expires > now) return hit.addresses;
  const addresses = await defaultResolver(hostname);
  dnsCache.set(hostname, { addresses, expires: now + DNS_CACHE_MS });
  return addresses;
};

// With the default (cached) resolver, a check's inputs are the URL, the policy object and addresses
// that are themselves cached; its outcome is kept for half as long, per URL and policy object (a
// changed allow-list is a new object), so an address is never used more than 1.5× DNS_CACHE_MS.
const dialCache = new BoundedMap<{ policy: OutboundPolicy; target: DialTarget; expires: number }>(
  DNS_CACHE_MAX,
);

/** Checks `rawUrl` with the SSRF guard and the admin allow-list and picks the address to dial. */
export async function resolveDialTarget(
  rawUrl: string,
  policy: OutboundPolicy,
  resolver: Resolver = cachedResolver,
): Promise<DialTarget> {
  if (resolver !== cachedResolver) return checkDialTarget(rawUrl, policy, resolver);
  const cached = cachedDialTarget(rawUrl, policy);
  if (cached !== undefined) return cached;
  const target = await checkDialTarget(rawUrl, policy, resolver);
  dialCache.set(rawUrl, { policy, target, expires: Date.now() + DNS_CACHE_MS / 2 });
  return target;
}

/**
 * What `resolveDialTarget(rawUrl, policy)` would answer from its cache right now, without waiting:
 * undefined when it would have to check (or resolve) again.
 */
export function cachedDialTarget(rawUrl: string, policy: OutboundPolicy): DialTarget | undefined {
  const hit = dialCache.get(rawUrl);
  return hit && hit.policy === policy && hit.expires > Date.now() ? hit.target : undefined;
}

async function checkDialTarget(
  rawUrl: string,
  policy: OutboundPolicy,
  resolver: Resolver,
): Promise<DialTarget> {
  let resolved: string[] | undefined;
  const capture: Resolver = async (hostname) => {
    resolved = await resolver(hostname);
    return resolved;
  };
  const check = await checkOutboundUrl(rawUrl, policy, capture);
  if (!check.ok)
    throw new UpstreamFailure(
      "refused",
      `Gatehouse will not connect to this server's address: ${check.reason}.`,
    );
  const host = check.url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else if (resolved) addresses = resolved;
  else {
    // An admin-allowed name: the guard did not need its addresses, but the socket still gets one.
    try {
      addresses = await resolver(host);
    } catch {
      addresses = [];
    }
  }
  const address = addresses[0];
  if (address === undefined) throw new UpstreamFailure("unreachable", `${host} does not resolve.`);
  return pinnedTarget(check.url, address);
}

/** The dial target for `url` with its connection pinned to `address` (TLS keeps the URL's name). */
export function pinnedTarget(url: URL, address: string): DialTarget {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return {
    url,
    address,
    family: isIP(address) === 6 ? 6 : 4,
    ...(url.protocol === "https:" && isIP(host) === 0 && { servername: host }),
  };
}

// One connection pool per dialled origin (the checked address, port and TLS name): POSTs share its
// keep-alive connections. A pool pushed out of the map is closed once its requests are done.
// Long-lived GET streams each get a client and a connection of their own, closed when the stream
// ends, so they can never take the connections POSTs need.
const MAX_CONNECTIONS_PER_ORIGIN = 256;
// Requests beyond those connections wait in the pool, each at most its headers timeout (the clock
// then starts again once it is sent), and at most this many at once: one more is refused at once, so
// a hanging upstream's callers cannot pile up requests (and their bodies) in the gateway's memory.
export const MAX_QUEUED_PER_ORIGIN = 1024;
const IDLE_CONNECTION_MS = 10_000;
const MAX_POOLS = 256;
const pools = new BoundedMap<Pool>(MAX_POOLS, (pool) => {
  pool.close().catch(() => undefined);
});

function originOf({ url, address, family }: DialTarget): string {
  const host = family === 6 ? `[${address}]` : address;
  return `${url.protocol}//${host}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
}

function poolFor(target: DialTarget, limits: UpstreamLimits): Pool {
  const origin = originOf(target);
  const key = `${origin} ${target.servername ?? ""} ${limits.connectTimeoutMs}`;
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = new Pool(origin, {
      connections: MAX_CONNECTIONS_PER_ORIGIN,
      pipelining: 1,
      keepAliveTimeout: IDLE_CONNECTION_MS,
      connect: { timeout: limits.connectTimeoutMs },
    });
    pools.set(key, pool);
  }
  return pool;
}

export type UpstreamResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  /** media type without parameters, lower-case; "" when absent */
  mediaType: string;
  /** the body; iterating it applies the idle timeout (unless disabled) and the byte cap */
  body: AsyncIterable<Buffer>;
  /** drops the response and its connection */
  destroy: () => void;
  /**
   * For an answer whose body is not wanted (a 202, a DELETE's answer): reads and drops what is left
   * of it, briefly and boundedly, so the keep-alive connection goes back to the pool instead of being
   * closed; anything longer or larger is destroyed. Absent: `destroy` is used.
   */
  discard?: () => void;
};

/** How much of an unwanted body is read (and dropped) to keep its connection, and for how long. */
const DISCARD_MAX_BYTES = 64 * 1024;
const DISCARD_MAX_MS = 2_000;
/** Unread body bytes held for a slow reader before the upstream connection is paused. */
const HIGH_WATER_BYTES = 64 * 1024;

/** Lets go of an answer whose body is not wanted, keeping its connection when that is cheap. */
export function release(response: UpstreamResponse): void {
  if (response.discard) response.discard();
  else response.destroy();
}

/** `response` with another body (one that was read early, replayed). */
export function withBody(response: UpstreamResponse, body: AsyncIterable<Buffer>): UpstreamResponse {
  return {
    status: response.status,
    headers: response.headers,
    mediaType: response.mediaType,
    body,
    destroy: () => response.destroy(),
    ...(response.discard !== undefined && { discard: () => response.discard?.() }),
  };
}

export type UpstreamRequestOptions = {
  target: DialTarget;
  method: "GET" | "POST" | "DELETE";
  headers: Record<string, string>;
  body?: string;
  limits: UpstreamLimits;
  /** a long-lived GET stream: its own connection, no idle timeout, no total byte cap */
  isStream?: boolean;
  signal?: AbortLike;
};

function mediaTypeOf(value: string | undefined): string {
  return (value ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * Sends one request and resolves with the answer once its status line and headers have arrived. It
 * goes through undici's dispatcher with a handler of our own (UpstreamCall): no stream objects per
 * request, which costs markedly less per call than node:http's ClientRequest and IncomingMessage.
 */
export function upstreamRequest(options: UpstreamRequestOptions): Promise<UpstreamResponse> {
  return new Promise<UpstreamResponse>((resolve, reject) => {
    new UpstreamCall(options, resolve, reject).send();
  });
}

type CallState = "sending" | "reading" | "ended" | "failed";

/**
 * One outbound request and its answer, as undici's dispatch handler: the connect, headers and idle
 * (between body chunks) timeouts are undici's; the caller's abort, the byte cap and the reading of
 * the body are here. Until the headers arrive it settles the request's promise; after that it is the
 * answer (UpstreamResponse) and its body, read whole (text) or as a stream of chunks, with the
 * upstream connection paused while a slow reader has HIGH_WATER_BYTES unread. A class rather than
 * closures: this runs on every relayed message (under tsx, which runs the server, every named
 * closure also costs an Object.defineProperty of its name).
 */
class UpstreamCall implements Dispatcher.DispatchHandlers, UpstreamResponse, AsyncIterable<Buffer> {
  status = 0;
  mediaType = "";
  private rawHeaders: Buffer[] = [];
  private headerFields: IncomingHttpHeaders | undefined;
  private state: CallState = "sending";
  private abortDispatch: ((reason: Error) => void) | undefined;
  /** why the call was ended from our side before undici offered an abort (onConnect) */
  private pendingAbort: UpstreamFailure | undefined;
  private cap = 0;
  private received = 0;
  private readonly chunks: Buffer[] = [];
  private unread = 0;
  private failure: UpstreamFailure | undefined;
  private resume: (() => void) | undefined;
  private isPaused = false;
  /** how the body is wanted: read by the caller, dropped (discard), or not at all (destroyed) */
  private reader: "caller" | "discard" | "gone" = "caller";
  private wantsWhole = false;
  private wake: (() => void) | undefined;
  private discardTimer: NodeJS.Timeout | undefined;
  /** a GET stream's own client (and connection), closed with the stream */
  private ownClient: Client | undefined;
  /** ends a request that waits too long for one of the pool's connections (see send) */
  private queueTimer: NodeJS.Timeout | undefined;
  private readonly onAbort = this.abandon.bind(this);

  constructor(
    private readonly options: UpstreamRequestOptions,
    private readonly resolve: (response: UpstreamResponse) => void,
    private readonly reject: (error: UpstreamFailure) => void,
  ) {}

  send(): void {
    const { options } = this;
    const { target, limits } = options;
    const { url, servername } = target;
    if (options.signal?.aborted) {
      this.settle(new UpstreamFailure("unreachable", "The request was abandoned."));
      return;
    }
    let dispatcher: Dispatcher;
    let pool: Pool | undefined;
    if (options.isStream) {
      this.ownClient = new Client(originOf(target), { connect: { timeout: limits.connectTimeoutMs } });
      dispatcher = this.ownClient;
    } else {
      pool = poolFor(target, limits);
      if (pool.stats.queued >= MAX_QUEUED_PER_ORIGIN) {
        this.settle(
          new UpstreamFailure(
            "refused",
            `The upstream is busy: ${MAX_CONNECTIONS_PER_ORIGIN} requests are in progress and ${MAX_QUEUED_PER_ORIGIN} are waiting. Try again shortly.`,
          ),
        );
        return;
      }
      dispatcher = pool;
    }
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
    const hasRoom = dispatcher.dispatch(
      {
        path: `${url.pathname}${url.search}`,
        method: options.method,
        headers: { ...options.headers, host: url.host },
        body: options.body ?? null,
        headersTimeout: limits.headersTimeoutMs,
        bodyTimeout: options.isStream ? 0 : limits.idleTimeoutMs,
        ...(servername !== undefined && { servername }),
      },
      this,
    );
    // Every connection is busy and requests are waiting (this one among them, unless it is already
    // on its way): undici's headers timeout only starts once a request is sent, so the wait has its own.
    if (!hasRoom && this.abortDispatch === undefined && (pool?.stats.queued ?? 0) > 0)
      this.queueTimer = setTimeout(this.onQueueTimeout.bind(this), limits.headersTimeoutMs);
  }

  // --- undici's side

  onConnect(abort: (reason?: Error) => void): void {
    clearTimeout(this.queueTimer);
    this.abortDispatch = abort;
    if (this.pendingAbort !== undefined) abort(this.pendingAbort);
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (status < 200) return true;
    this.resume = resume;
    this.rawHeaders = rawHeaders;
    this.status = status;
    const mediaType = mediaTypeOf(rawHeader(rawHeaders, "content-type"));
    this.mediaType = mediaType;
    const { options } = this;
    this.cap = options.isStream
      ? Number.POSITIVE_INFINITY
      : mediaType === "text/event-stream"
        ? options.limits.maxStreamBytes
        : options.limits.maxMessageBytes;
    this.state = "reading";
    // From here the caller ends the answer itself (destroy, release).
    options.signal?.removeEventListener("abort", this.onAbort);
    this.resolve(this);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.state !== "reading") return true;
    this.received += chunk.byteLength;
    if (this.reader === "discard") {
      if (this.received > DISCARD_MAX_BYTES) this.destroy();
      return true;
    }
    if (this.received > this.cap) {
      this.end(new UpstreamFailure("too_large", `The upstream's answer exceeded ${this.cap} bytes.`));
      return true;
    }
    this.chunks.push(chunk);
    this.unread += chunk.byteLength;
    this.wakeReader();
    if (this.wantsWhole || this.unread < HIGH_WATER_BYTES) return true;
    this.isPaused = true;
    return false;
  }

  onComplete(): void {
    if (this.state !== "reading") return;
    this.state = "ended";
    clearTimeout(this.discardTimer);
    this.ownClient?.close().catch(() => undefined);
    this.wakeReader();
  }

  onError(error: Error): void {
    this.ownClient?.destroy().catch(() => undefined);
    const failure = this.failureOf(error);
    if (this.state === "sending") this.settle(failure);
    else if (this.state === "reading") {
      this.state = "failed";
      this.failure = failure;
      clearTimeout(this.discardTimer);
      this.wakeReader();
    }
  }

  // --- the caller's side (UpstreamResponse)

  get body(): this {
    return this;
  }

  /** The answer's header fields by lower-case name (repeated fields joined), made on first use. */
  get headers(): IncomingHttpHeaders {
    if (this.headerFields === undefined) {
      const fields: Record<string, string> = {};
      const raw = this.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = (raw[i] as Buffer).toString("latin1").toLowerCase();
        const value = (raw[i + 1] as Buffer).toString("latin1");
        const seen = fields[name];
        fields[name] = seen === undefined ? value : `${seen}, ${value}`;
      }
      this.headerFields = fields;
    }
    return this.headerFields;
  }

  /** Drops the answer: the upstream connection is closed unless the answer was complete. */
  destroy(): void {
    this.reader = "gone";
    this.chunks.length = 0;
    if (this.state === "reading")
      this.end(new UpstreamFailure("unreachable", "The upstream's answer was dropped."));
  }

  discard(): void {
    if (this.state !== "reading") return;
    this.reader = "discard";
    this.received = this.unread;
    this.chunks.length = 0;
    this.unread = 0;
    if (this.received > DISCARD_MAX_BYTES) {
      this.destroy();
      return;
    }
    this.discardTimer = setTimeout(this.destroy.bind(this), DISCARD_MAX_MS);
    this.resumeReading();
  }

  /** The body whole, as UTF-8 text. */
  async text(): Promise<string> {
    this.wantsWhole = true;
    this.resumeReading();
    while (this.state === "reading") await this.nextEvent();
    if (this.failure !== undefined) throw this.failure;
    if (this.reader !== "caller")
      throw new UpstreamFailure("unreachable", "The upstream's answer was already let go.");
    const { chunks } = this;
    const text =
      chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8");
    chunks.length = 0;
    return text;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        const chunk = this.chunks.shift();
        if (chunk !== undefined) {
          this.unread -= chunk.byteLength;
          if (this.unread < HIGH_WATER_BYTES) this.resumeReading();
          yield chunk;
          continue;
        }
        if (this.failure !== undefined) throw this.failure;
        if (this.state !== "reading") return;
        await this.nextEvent();
      }
    } finally {
      // A reader that stops early (or fails) is done with the answer.
      if (this.state === "reading") this.destroy();
    }
  }

  // --- inside

  private nextEvent(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  private wakeReader(): void {
    const wake = this.wake;
    if (wake === undefined) return;
    this.wake = undefined;
    wake();
  }

  private resumeReading(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    this.resume?.();
  }

  /** The request waited for a connection for as long as it may wait for an answer. */
  private onQueueTimeout(): void {
    if (this.abortDispatch !== undefined || this.state !== "sending") return;
    const { limits } = this.options;
    this.end(
      new UpstreamFailure(
        "timeout",
        `The upstream is busy: the request waited ${limits.headersTimeoutMs} ms for one of its ${MAX_CONNECTIONS_PER_ORIGIN} connections.`,
      ),
    );
  }

  /** The caller's signal fired before the headers arrived. */
  private abandon(): void {
    this.end(new UpstreamFailure("unreachable", "The request was abandoned."));
  }

  /** Ends the call from our side with `failure`: the dispatch is aborted, and the caller told. */
  private end(failure: UpstreamFailure): void {
    if (this.abortDispatch !== undefined) this.abortDispatch(failure);
    else this.pendingAbort = failure;
    // undici reports the abort through onError, but only once the request has a connection.
    this.onError(failure);
  }

  /** The outcome before the headers: a failure (the promise of upstreamRequest rejects). */
  private settle(failure: UpstreamFailure): void {
    if (this.state !== "sending") return;
    clearTimeout(this.queueTimer);
    this.state = "failed";
    this.failure = failure;
    this.options.signal?.removeEventListener("abort", this.onAbort);
    this.reject(failure);
  }

  private failureOf(error: Error): UpstreamFailure {
    if (error instanceof UpstreamFailure) return error;
    const { limits } = this.options;
    const code = (error as { code?: unknown }).code;
    switch (code) {
      case "UND_ERR_CONNECT_TIMEOUT":
        return new UpstreamFailure(
          "timeout",
          `Could not connect to the upstream within ${limits.connectTimeoutMs} ms.`,
          { cause: error },
        );
      case "UND_ERR_HEADERS_TIMEOUT":
        return new UpstreamFailure(
          "timeout",
          `The upstream did not answer within ${limits.headersTimeoutMs} ms.`,
          { cause: error },
        );
      case "UND_ERR_BODY_TIMEOUT":
        return new UpstreamFailure("timeout", `The upstream went silent for ${limits.idleTimeoutMs} ms.`, {
          cause: error,
        });
      case "UND_ERR_HEADERS_OVERFLOW":
      case "HPE_HEADER_OVERFLOW":
        return new UpstreamFailure("too_large", "The upstream's answer headers are too large.", {
          cause: error,
        });
      case "UND_ERR_INVALID_ARG":
        return new UpstreamFailure("protocol", `The request could not be sent upstream: ${error.message}`, {
          cause: error,
        });
    }
    if (this.state !== "sending")
      return new UpstreamFailure("unreachable", "The upstream connection broke off.", { cause: error });
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    const name = typeof code === "string" && !code.startsWith("UND_ERR") ? code : cause;
    return new UpstreamFailure(
      "unreachable",
      `The upstream could not be reached (${typeof name === "string" ? name : "network error"}).`,
      { cause: error },
    );
  }
}

/** The first value of header `name` (lower-case) among undici's raw name/value pairs. */
function rawHeader(raw: Buffer[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const field = raw[i] as Buffer;
    if (field.length === name.length && field.toString("latin1").toLowerCase() === name)
      return (raw[i + 1] as Buffer).toString("latin1");
  }
  return undefined;
}

/** Reads a whole (non-stream) body; the cap and the idle timeout apply as it is read. */
export async function readAll(body: AsyncIterable<Buffer>): Promise<string> {
  if (body instanceof UpstreamCall) return body.text();
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
