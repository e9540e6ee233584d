import { lookup } from "node:dns/promises";
import http, { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type Socket } from "node:net";
import { BoundedMap } from "../../bounded-map";
import { checkOutboundUrl, type OutboundPolicy, type Resolver } from "../../security/outbound-url";
import type { AbortLike } from "./cancellation";

/**
 * Outbound HTTP toward upstream MCP servers: node:http `request` with keep-alive agents (measured
 * 0.2–0.5 ms cheaper per call than fetch), through the SSRF guard (PROTOCOL X1) with the dialled
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

export type DialTarget = { url: URL; address: string; family: 4 | 6 };

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
  return { url: check.url, address, family: isIP(address) === 6 ? 6 : 4 };
}

const AGENT_OPTIONS = {
  keepAlive: true,
  keepAliveMsecs: 15_000,
  maxSockets: 256,
  maxFreeSockets: 64,
  scheduling: "lifo",
} as const;
// Long-lived GET streams get agents of their own, so they can never take the pooled sockets POSTs need.
const agents = {
  "http:": new http.Agent(AGENT_OPTIONS),
  "https:": new https.Agent(AGENT_OPTIONS),
};
const streamAgents = {
  "http:": new http.Agent({ keepAlive: false }),
  "https:": new https.Agent({ keepAlive: false }),
};

export type UpstreamResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  /** media type without parameters, lower-case; "" when absent */
  mediaType: string;
  /** the body; iterating it applies the idle timeout (unless disabled) and the byte cap */
  body: AsyncIterable<Buffer>;
  /** drops the response and its socket */
  destroy: () => void;
  /**
   * For an answer whose body is not wanted (a 202, a DELETE's answer): reads and drops what is left
   * of it, briefly and boundedly, so the keep-alive socket goes back to the pool instead of being
   * closed; anything longer or larger is destroyed. Absent: `destroy` is used.
   */
  discard?: () => void;
};

/** How much of an unwanted body is read (and dropped) to keep its socket, and for how long. */
const DISCARD_MAX_BYTES = 64 * 1024;
const DISCARD_MAX_MS = 2_000;

/** Lets go of an answer whose body is not wanted, keeping its socket when that is cheap. */
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

function discardBody(response: IncomingMessage): void {
  if (response.readableEnded || response.destroyed) return;
  let seen = 0;
  const timer = setTimeout(() => response.destroy(), DISCARD_MAX_MS);
  const done = () => clearTimeout(timer);
  response.on("data", (chunk: Buffer) => {
    seen += chunk.byteLength;
    if (seen > DISCARD_MAX_BYTES) response.destroy();
  });
  response.once("end", done);
  response.once("close", done);
  response.resume();
}

export type UpstreamRequestOptions = {
  target: DialTarget;
  method: "GET" | "POST" | "DELETE";
  headers: Record<string, string>;
  body?: string;
  limits: UpstreamLimits;
  /** a long-lived GET stream: own agent, no idle timeout, no total byte cap */
  isStream?: boolean;
  signal?: AbortLike;
};

function mediaTypeOf(value: string | undefined): string {
  return (value ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

export function upstreamRequest(options: UpstreamRequestOptions): Promise<UpstreamResponse> {
  return new Promise<UpstreamResponse>((resolve, reject) => {
    new PendingRequest(options, resolve, reject).send();
  });
}

/**
 * One outbound request until its response headers arrive (or it fails): the connect and headers
 * timeouts, the caller's abort, and network errors settle it once. A class rather than closures:
 * this runs on every relayed message, and its methods are made once, not per request (under tsx,
 * which runs the server, every named closure also costs an Object.defineProperty of its name, about
 * 0.4 µs each when hot; the same holds for the other per-message classes of the proxy).
 */
class PendingRequest {
  private settled = false;
  private headersTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private request: ClientRequest | undefined;
  private readonly onAbort = this.abandon.bind(this);

  constructor(
    private readonly options: UpstreamRequestOptions,
    private readonly resolve: (response: UpstreamResponse) => void,
    private readonly reject: (error: UpstreamFailure) => void,
  ) {}

  send(): void {
    const { options } = this;
    const { target, limits } = options;
    const { url } = target;
    const isHttps = url.protocol === "https:";
    const hostname = url.hostname.replace(/^\[|\]$/g, "");
    const headers: Record<string, string> = { ...options.headers, host: url.host };
    if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
    if (options.signal?.aborted) {
      this.abandon();
      return;
    }
    const request = (isHttps ? https : http).request({
      host: target.address,
      family: target.family,
      port: url.port || (isHttps ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: options.method,
      headers,
      agent: (options.isStream ? streamAgents : agents)[isHttps ? "https:" : "http:"],
      ...(isHttps && isIP(hostname) === 0 && { servername: hostname }),
    });
    this.request = request;
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
    this.headersTimer = setTimeout(
      () =>
        this.fail(
          new UpstreamFailure("timeout", `The upstream did not answer within ${limits.headersTimeoutMs} ms.`),
        ),
      limits.headersTimeoutMs,
    );
    request.on("socket", (socket: Socket) => {
      if (!socket.connecting) return;
      this.connectTimer = setTimeout(
        () =>
          this.fail(
            new UpstreamFailure(
              "timeout",
              `Could not connect to the upstream within ${limits.connectTimeoutMs} ms.`,
            ),
          ),
        limits.connectTimeoutMs,
      );
      socket.once("connect", () => clearTimeout(this.connectTimer));
    });
    request.on("error", (error) => {
      if (error instanceof UpstreamFailure) return;
      this.fail(
        new UpstreamFailure(
          "unreachable",
          `The upstream could not be reached (${describeNetworkError(error)}).`,
          { cause: error },
        ),
      );
    });
    request.on("response", (response: IncomingMessage) => this.answered(response));
    request.end(options.body);
  }

  private clearTimers(): void {
    clearTimeout(this.headersTimer);
    clearTimeout(this.connectTimer);
  }

  private abandon(): void {
    this.fail(new UpstreamFailure("unreachable", "The request was abandoned."));
  }

  private fail(error: UpstreamFailure): void {
    if (this.settled) return;
    this.settled = true;
    this.clearTimers();
    this.options.signal?.removeEventListener("abort", this.onAbort);
    this.request?.destroy(error);
    this.reject(error);
  }

  private answered(response: IncomingMessage): void {
    if (this.settled) {
      response.destroy();
      return;
    }
    this.settled = true;
    this.clearTimers();
    const { options } = this;
    const mediaType = mediaTypeOf(response.headers["content-type"]);
    const cap = options.isStream
      ? Number.POSITIVE_INFINITY
      : mediaType === "text/event-stream"
        ? options.limits.maxStreamBytes
        : options.limits.maxMessageBytes;
    // From here the caller ends the response itself (UpstreamResponse.destroy).
    options.signal?.removeEventListener("abort", this.onAbort);
    this.resolve(
      new NodeUpstreamResponse(response, cap, options.isStream ? 0 : options.limits.idleTimeoutMs, mediaType),
    );
  }
}

class NodeUpstreamResponse implements UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: BoundedBody;

  constructor(
    private readonly response: IncomingMessage,
    cap: number,
    idleMs: number,
    readonly mediaType: string,
  ) {
    this.status = response.statusCode ?? 502;
    this.headers = response.headers;
    this.body = new BoundedBody(response, cap, idleMs);
  }

  destroy(): void {
    this.response.destroy();
  }

  discard(): void {
    discardBody(this.response);
  }
}

/**
 * A response body under the byte cap and the idle timeout. Iterating it streams chunks (SSE);
 * `text()` reads it whole with plain stream events, which costs less than async iteration for the
 * common single-JSON answer.
 */
class BoundedBody implements AsyncIterable<Buffer> {
  constructor(
    private readonly response: IncomingMessage,
    private readonly cap: number,
    private readonly idleMs: number,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return boundedBody(this.response, this.cap, this.idleMs);
  }

  text(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      new WholeTextReader(this.response, this.cap, this.idleMs, resolve, reject).start();
    });
  }
}

/**
 * Reads a response whole with plain stream events under the byte cap and the idle timeout (a class,
 * so its handlers are bound methods rather than closures made per response).
 */
class WholeTextReader {
  private readonly chunks: Buffer[] = [];
  private total = 0;
  private idle: NodeJS.Timeout | undefined;
  private settled = false;
  private readonly onData = this.data.bind(this);
  private readonly onEnd = this.end.bind(this);
  private readonly onError = this.error.bind(this);
  private readonly onClose = this.close.bind(this);
  private readonly onIdle = this.silent.bind(this);

  constructor(
    private readonly response: IncomingMessage,
    private readonly cap: number,
    private readonly idleMs: number,
    private readonly resolve: (text: string) => void,
    private readonly reject: (error: UpstreamFailure) => void,
  ) {}

  start(): void {
    const { response } = this;
    if (response.readableEnded) {
      this.finish(new UpstreamFailure("unreachable", "The upstream's answer was already read."));
      return;
    }
    this.arm();
    response.on("data", this.onData);
    response.once("end", this.onEnd);
    response.once("error", this.onError);
    response.once("close", this.onClose);
  }

  private arm(): void {
    if (this.idleMs <= 0) return;
    if (this.idle === undefined) this.idle = setTimeout(this.onIdle, this.idleMs);
    else this.idle.refresh();
  }

  private silent(): void {
    this.finish(new UpstreamFailure("timeout", `The upstream went silent for ${this.idleMs} ms.`));
  }

  private data(chunk: Buffer): void {
    this.total += chunk.byteLength;
    if (this.total > this.cap) {
      this.finish(new UpstreamFailure("too_large", `The upstream's answer exceeded ${this.cap} bytes.`));
      return;
    }
    this.chunks.push(chunk);
    this.arm();
  }

  private end(): void {
    this.finish(null);
  }

  private error(error: Error): void {
    this.finish(
      error instanceof UpstreamFailure
        ? error
        : new UpstreamFailure("unreachable", "The upstream connection broke off.", { cause: error }),
    );
  }

  private close(): void {
    if (!this.response.readableEnded)
      this.finish(new UpstreamFailure("unreachable", "The upstream connection broke off."));
  }

  private finish(error: UpstreamFailure | null): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.idle);
    const { response, chunks } = this;
    response.off("data", this.onData);
    response.off("end", this.onEnd);
    response.off("error", this.onError);
    response.off("close", this.onClose);
    if (error === null) {
      this.resolve(
        chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8"),
      );
      return;
    }
    if (!response.complete || !response.readableEnded) response.destroy();
    this.reject(error);
  }
}

async function* boundedBody(response: IncomingMessage, cap: number, idleMs: number): AsyncGenerator<Buffer> {
  let total = 0;
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    if (idleMs <= 0) return;
    clearTimeout(idle);
    idle = setTimeout(
      () => response.destroy(new UpstreamFailure("timeout", `The upstream went silent for ${idleMs} ms.`)),
      idleMs,
    );
  };
  arm();
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > cap) {
        response.destroy();
        throw new UpstreamFailure("too_large", `The upstream's answer exceeded ${cap} bytes.`);
      }
      arm();
      yield chunk;
    }
  } catch (error) {
    if (error instanceof UpstreamFailure) throw error;
    throw new UpstreamFailure("unreachable", "The upstream connection broke off.", { cause: error });
  } finally {
    clearTimeout(idle);
    if (!response.complete) response.destroy();
  }
}

function describeNetworkError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : "network error";
}

/** Reads a whole (non-stream) body; the cap was applied by boundedBody. */
export async function readAll(body: AsyncIterable<Buffer>): Promise<string> {
  if (body instanceof BoundedBody) return body.text();
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
