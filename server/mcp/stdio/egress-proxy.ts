import { Resolver as DnsResolver } from "node:dns/promises";
import {
  type ClientRequest,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { BoundedMap } from "../../bounded-map";
import type { OutboundPolicy, Resolver } from "../../security/outbound-url";
import { type DialTarget, resolveDialTarget, UpstreamFailure } from "../upstream/http-client";

/**
 * The only way out of a stdio server's network namespace (sandbox.ts, GATEHOUSE_STDIO_NETWORK
 * "guarded"): an HTTP proxy on a Unix socket, reached from inside the namespace through the
 * sandbox's init (sandbox-init.mjs), which bridges 127.0.0.1:3128 there to this socket. Every
 * connection passes the same SSRF guard as the gateway's own upstream connections (PROTOCOL X1,
 * resolveDialTarget): the target is checked with the server version's outbound policy and the
 * connection is pinned to the address that was checked, so DNS cannot answer differently between
 * the check and the dial.
 *
 * - `CONNECT host:port` opens a tunnel (HTTPS and anything else over TCP);
 * - an absolute-form `GET http://host/path` is forwarded (plain HTTP), hop-by-hop and proxy
 *   headers removed, never following redirects; `https://` in absolute form is refused (tunnel it);
 * - a refusal is a 403 whose body says why, reported for the audit;
 * - bounded, as the process is not trusted: connections in (maxConnections), upstream sockets
 *   (maxUpstreams), targets being checked at once per proxy and over all proxies (each check may
 *   wait on DNS), the policy read at most every POLICY_TTL_MS; a connect timeout, then an idle one.
 *
 * One proxy per process, so a connection is attributed to the process (server, connection) it came
 * from. The socket's directory is the gateway user's (mode 0700); the init reaches it through a
 * bind mount in a namespace where nothing else of the host's temporary directory is visible.
 */

export type EgressRefusal = { target: string; reason: string };

export type EgressProxyOptions = {
  /** where to listen, in a directory only the gateway's user can enter */
  socketPath: string;
  /** the policy a connection is judged by (read again after POLICY_TTL_MS) */
  policy: () => Promise<OutboundPolicy>;
  log: Logger;
  /** a refused connection, once per refusal (the caller audits, throttled) */
  onRefused?: (refusal: EgressRefusal) => void;
  maxConnections?: number;
  maxUpstreams?: number;
  maxPendingChecks?: number;
  connectTimeoutMs?: number;
  /** a tunnel or forwarded request with no bytes either way for this long is closed */
  idleTimeoutMs?: number;
  /** how names are resolved; createEgressResolver() with the system's name servers by default */
  resolver?: Resolver;
};

export type EgressProxy = {
  /** stops listening and ends every open connection; idempotent */
  close: () => Promise<void>;
};

export const EGRESS_DEFAULTS = {
  maxConnections: 64,
  maxUpstreams: 64,
  maxPendingChecks: 4,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 5 * 60_000,
} as const;

/** An admin's change to the allowed hosts reaches running processes within this. */
export const POLICY_TTL_MS = 5_000;

/** Checks in flight over every proxy of this gateway process: each may hold a DNS query. */
const MAX_PENDING_CHECKS_ALL = 64;
let pendingChecksAll = 0;

/** How long one DNS query of the proxy may take, and how often it is tried. */
export const EGRESS_DNS_TIMEOUT_MS = 2_000;
const EGRESS_DNS_TRIES = 2;
/** Answers (failures too) kept this long, so a name that never resolves costs one wait. */
const EGRESS_DNS_CACHE_MS = 5_000;

/**
 * How the proxy resolves the names a process asks for: with c-ares (dns.Resolver), never
 * getaddrinfo. `dns.lookup` runs on libuv's thread pool (4 threads, shared with the gateway's own
 * lookups and file I/O), so a process naming hosts whose name servers never answer would stall the
 * whole gateway; a c-ares query holds no thread and gives up after `timeoutMs` per try.
 * /etc/hosts is not read; `localhost` and its subdomains are loopback by definition (RFC 6761),
 * so the guard refuses them as such. `servers` (host:port) replace the system's, for tests.
 */
export function createEgressResolver(
  options: { servers?: string[]; timeoutMs?: number; tries?: number } = {},
): Resolver {
  const dns = new DnsResolver({
    timeout: options.timeoutMs ?? EGRESS_DNS_TIMEOUT_MS,
    tries: options.tries ?? EGRESS_DNS_TRIES,
  });
  if (options.servers) dns.setServers(options.servers);
  const answers = new BoundedMap<{ answer: Promise<string[]>; expires: number }>(1_000);
  return (hostname) => {
    const name = hostname.toLowerCase().replace(/\.$/, "");
    if (name === "localhost" || name.endsWith(".localhost")) return Promise.resolve(["127.0.0.1", "::1"]);
    const now = Date.now();
    const kept = answers.get(name);
    if (kept && kept.expires > now) return kept.answer;
    const answer = Promise.allSettled([dns.resolve4(name), dns.resolve6(name)]).then(([v4, v6]) => {
      const addresses = [
        ...(v4.status === "fulfilled" ? v4.value : []),
        ...(v6.status === "fulfilled" ? v6.value : []),
      ];
      if (addresses.length > 0) return addresses;
      throw v4.status === "rejected" ? v4.reason : new Error(`${name} has no address`);
    });
    answers.set(name, { answer, expires: now + EGRESS_DNS_CACHE_MS });
    return answer;
  };
}

const egressResolver = createEgressResolver();

/** Headers that belong to one hop (RFC 9110 7.6.1) or to the proxy, never forwarded. */
const HOP_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** "host:port" of a CONNECT request line, or null when it is not one (no path, no user, a port). */
function tunnelTarget(authority: string | undefined): URL | null {
  if (!authority || !/^[^/?#@\s]+:\d{1,5}$/.test(authority)) return null;
  try {
    const url = new URL(`http://${authority}/`);
    return url.port === "" && !authority.endsWith(":80") ? null : url;
  } catch {
    return null;
  }
}

function withoutHopHeaders(headers: IncomingMessage["headers"]): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_HEADERS.has(name)) kept[name] = value;
  return kept;
}

type Verdict = { ok: true; target: DialTarget } | { ok: false; status: number; reason: string };

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const settings = { ...EGRESS_DEFAULTS, ...options };
  const { log } = options;
  const resolver = options.resolver ?? egressResolver;
  const connections = new Set<Duplex>();
  const upstreams = new Set<Duplex>();
  let pendingChecks = 0;
  let policy: { value: Promise<OutboundPolicy>; at: number } | null = null;

  const currentPolicy = (): Promise<OutboundPolicy> => {
    const now = Date.now();
    if (policy === null || now - policy.at > POLICY_TTL_MS) {
      const value = options.policy();
      policy = { value, at: now };
      // A failed read is not kept: the next connection reads again.
      value.catch(() => {
        if (policy?.value === value) policy = null;
      });
    }
    return policy.value;
  };

  /** The target's check: the address to dial, or why not (reported when the guard refused). */
  const judge = async (url: URL, shown: string): Promise<Verdict> => {
    if (pendingChecks >= settings.maxPendingChecks || pendingChecksAll >= MAX_PENDING_CHECKS_ALL)
      return { ok: false, status: 503, reason: "too many connections are being opened at once; try again" };
    // Checks in flight count too: each may become an upstream socket.
    if (upstreams.size + pendingChecks >= settings.maxUpstreams)
      return {
        ok: false,
        status: 503,
        reason: `at most ${settings.maxUpstreams} connections may be open at once`,
      };
    pendingChecks += 1;
    pendingChecksAll += 1;
    try {
      const target = await resolveDialTarget(url.toString(), await currentPolicy(), resolver);
      return { ok: true, target };
    } catch (error) {
      if (!(error instanceof UpstreamFailure)) {
        log.warn({ err: error }, "egress: the target could not be checked; refusing");
        return {
          ok: false,
          status: 503,
          reason: "Gatehouse could not check this connection; try again later",
        };
      }
      const reason = error.message;
      if (error.kind === "refused") options.onRefused?.({ target: shown, reason });
      return { ok: false, status: error.kind === "refused" ? 403 : 502, reason };
    } finally {
      pendingChecks -= 1;
      pendingChecksAll -= 1;
    }
  };

  const trackUpstream = (socket: Duplex) => {
    upstreams.add(socket);
    socket.once("close", () => upstreams.delete(socket));
  };

  const refuseSocket = (socket: Duplex, status: number, reason: string) => {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n\r\nGatehouse: ${reason}\n`,
    );
  };

  const tunnel = async (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const shown = req.url ?? "";
    const url = tunnelTarget(req.url);
    if (url === null) return refuseSocket(client, 400, "CONNECT needs host:port");
    const verdict = await judge(url, shown);
    if (!verdict.ok) return refuseSocket(client, verdict.status, verdict.reason);
    if (client.destroyed) return;
    const { target } = verdict;
    const upstream = connect({
      host: target.address,
      port: Number(url.port || 80),
      allowHalfOpen: true,
      timeout: settings.connectTimeoutMs,
    });
    trackUpstream(upstream);
    let isEstablished = false;
    upstream.on("timeout", () => upstream.destroy(new Error("the connection timed out")));
    upstream.once("connect", () => {
      isEstablished = true;
      upstream.setTimeout(settings.idleTimeoutMs);
      log.debug({ target: shown }, "egress tunnel opened");
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.byteLength > 0) upstream.write(head);
      // Each direction ends on its own (half-close), so nothing buffered is thrown away.
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", (error) => {
      if (isEstablished) client.destroy();
      else refuseSocket(client, 502, `could not connect to ${shown}: ${error.message}`);
    });
    client.once("close", () => upstream.destroy());
  };

  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    let isGone = false;
    res.once("close", () => {
      isGone = true;
    });
    const refuse = (status: number, reason: string) => {
      if (res.headersSent || isGone) return res.destroy();
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8", connection: "close" });
      res.end(`Gatehouse: ${reason}\n`);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      return refuse(400, "this is a proxy: send absolute http:// URLs, or CONNECT host:port");
    }
    if (url.protocol !== "http:")
      return refuse(400, `${url.protocol} URLs are tunnelled: use CONNECT ${url.host || "host:port"}`);
    const verdict = await judge(url, url.host);
    if (!verdict.ok) return refuse(verdict.status, verdict.reason);
    if (isGone) return;
    const headers = withoutHopHeaders(req.headers);
    headers.host = url.host;
    const upstream: ClientRequest = httpRequest({
      host: verdict.target.address,
      port: Number(url.port || 80),
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers,
      agent: false,
      timeout: settings.connectTimeoutMs,
    });
    upstream.on("socket", (socket) => {
      trackUpstream(socket);
      socket.once("connect", () => upstream.setTimeout(settings.idleTimeoutMs));
    });
    upstream.on("timeout", () => upstream.destroy(new Error("the upstream timed out")));
    upstream.on("error", (error) => refuse(502, `${url.host}: ${error.message}`));
    upstream.on("response", (answer) => {
      const status = answer.statusCode ?? 0;
      // Node's client takes any three digits; its server writes 100-999 only.
      if (status < 100 || status > 999) {
        answer.destroy();
        return refuse(502, `${url.host} answered with an invalid status`);
      }
      try {
        res.writeHead(status, withoutHopHeaders(answer.headers));
      } catch {
        answer.destroy();
        return refuse(502, `${url.host} answered with headers that cannot be passed on`);
      }
      answer.on("error", () => res.destroy());
      answer.pipe(res);
    });
    res.once("close", () => upstream.destroy());
    req.pipe(upstream);
  };

  // Whatever goes wrong in one connection ends that connection, never the gateway.
  const guarded =
    (what: string, socket: () => Duplex) =>
    (error: unknown): void => {
      log.warn({ err: error }, `egress: ${what} failed`);
      socket().destroy();
    };

  const server = createServer();
  server.on("connect", (req: IncomingMessage, client: Duplex, head: Buffer) => {
    client.on("error", () => client.destroy());
    tunnel(req, client, head).catch(guarded("a tunnel", () => client));
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    forward(req, res).catch(guarded("a forwarded request", () => res.socket ?? req.socket));
  });
  server.on("connection", (socket: Socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
    socket.setTimeout(settings.idleTimeoutMs, () => socket.destroy());
  });
  server.on("clientError", (_error, socket: Duplex) => socket.destroy());
  server.maxConnections = settings.maxConnections;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });

  let closed: Promise<void> | null = null;
  return {
    close: () => {
      closed ??= (async () => {
        for (const socket of [...connections, ...upstreams]) socket.destroy();
        // Closing the server removes its socket file.
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closed;
    },
  };
}
