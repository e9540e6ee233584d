import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { guardedLookup } from "../../security/guarded-fetch";
import { checkOutboundUrl, type OutboundPolicy } from "../../security/outbound-url";

/**
 * The only way out of a stdio server's network namespace (sandbox.ts, GATEHOUSE_STDIO_NETWORK
 * "guarded"): an HTTP proxy on a Unix socket, reached from inside the namespace through the
 * sandbox's init (sandbox-init.mjs), which bridges 127.0.0.1:3128 there to this socket. Every
 * connection passes the same SSRF guard as the gateway's own (PROTOCOL X1): the target is checked
 * with the server version's outbound policy, read at each connection so an admin's change applies
 * at once, and the address actually dialled is checked again at connect time (DNS rebinding).
 *
 * - `CONNECT host:port` opens a tunnel (HTTPS and anything else over TCP);
 * - an absolute-form `GET http://host/path` is forwarded (plain HTTP), hop-by-hop and proxy
 *   headers removed; `https://` in absolute form is refused, clients tunnel those;
 * - a refusal is a 403 whose body says why, the connection is logged and reported for the audit;
 * - tunnels are capped per process and closed after a silence, connects time out.
 *
 * One proxy per process, so a connection is attributed to the process (server, connection) it came
 * from. The socket lives in a directory only the gateway's user can enter: the process itself
 * cannot reach it except through the bridge, which the init holds.
 */

export type EgressRefusal = { target: string; reason: string };

export type EgressProxyOptions = {
  /** the policy a connection is judged by, read for each connection */
  policy: () => Promise<OutboundPolicy>;
  log: Logger;
  /** a refused connection, once per refusal (the caller audits, throttled) */
  onRefused?: (refusal: EgressRefusal) => void;
  maxTunnels?: number;
  connectTimeoutMs?: number;
  /** a tunnel or forwarded request with no bytes either way for this long is closed */
  idleTimeoutMs?: number;
};

export type EgressProxy = {
  socketPath: string;
  /** stops listening and ends every open tunnel; idempotent */
  close: () => Promise<void>;
};

export const EGRESS_DEFAULTS = {
  maxTunnels: 64,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 5 * 60_000,
} as const;

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

function portOf(url: URL): number {
  return Number(url.port || (url.protocol === "https:" ? 443 : 80));
}

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const settings = { ...EGRESS_DEFAULTS, ...options };
  const { log } = options;
  const dir = await mkdtemp(path.join(tmpdir(), "gatehouse-egress-"));
  const socketPath = path.join(dir, "proxy.sock");
  const open = new Set<Duplex>();

  const track = (socket: Duplex) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  };

  /** The target's check, or a refusal already reported; never throws. */
  const judge = async (
    url: URL,
    shown: string,
  ): Promise<{ ok: true; policy: OutboundPolicy } | { ok: false; reason: string }> => {
    let policy: OutboundPolicy;
    try {
      policy = await options.policy();
    } catch (error) {
      log.warn({ err: error }, "egress: the outbound policy could not be read; refusing");
      return { ok: false, reason: "Gatehouse could not read its outbound policy; try again later" };
    }
    const check = await checkOutboundUrl(url.toString(), policy);
    if (check.ok) return { ok: true, policy };
    log.info({ target: shown, reason: check.reason }, "egress refused");
    options.onRefused?.({ target: shown, reason: check.reason });
    return { ok: false, reason: check.reason };
  };

  const dial = (url: URL, policy: OutboundPolicy): Socket => {
    const upstream = connect({
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: portOf(url),
      lookup: guardedLookup(policy),
      timeout: settings.connectTimeoutMs,
    });
    track(upstream);
    // Until connected, the timeout is the connect timeout; afterwards the idle one.
    upstream.once("connect", () => upstream.setTimeout(settings.idleTimeoutMs));
    upstream.on("timeout", () => upstream.destroy(new Error("timed out")));
    return upstream;
  };

  const refuseSocket = (socket: Duplex, status: string, reason: string) => {
    socket.end(
      `HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n\r\n${reason}\n`,
    );
  };

  const server = createServer();
  server.on("connect", (req: IncomingMessage, client: Duplex, head: Buffer) => {
    client.on("error", () => client.destroy());
    const shown = req.url ?? "";
    const url = tunnelTarget(req.url);
    if (url === null) return refuseSocket(client, "400 Bad Request", "CONNECT needs host:port");
    void judge(url, shown).then((verdict) => {
      if (!verdict.ok) return refuseSocket(client, "403 Forbidden", `Gatehouse refused: ${verdict.reason}`);
      if (client.destroyed) return;
      const upstream = dial(url, verdict.policy);
      let isEstablished = false;
      upstream.once("connect", () => {
        isEstablished = true;
        log.info({ target: shown }, "egress tunnel opened");
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (head.byteLength > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.once("error", (error) => {
        if (isEstablished) return client.destroy();
        const isRefused = error.name === "OutboundRefusedError";
        if (isRefused) options.onRefused?.({ target: shown, reason: error.message });
        refuseSocket(client, isRefused ? "403 Forbidden" : "502 Bad Gateway", `Gatehouse: ${error.message}`);
      });
      upstream.once("close", () => {
        if (isEstablished) client.destroy();
      });
      client.once("close", () => upstream.destroy());
    });
  });

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const refuse = (status: number, reason: string) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8", connection: "close" });
      res.end(`${reason}\n`);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      return refuse(400, "This is a proxy: send absolute http:// URLs, or CONNECT host:port");
    }
    if (url.protocol !== "http:")
      return refuse(400, `${url.protocol} URLs are tunnelled: use CONNECT ${url.host || "host:port"}`);
    void judge(url, url.host).then((verdict) => {
      if (!verdict.ok) return refuse(403, `Gatehouse refused: ${verdict.reason}`);
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (value !== undefined && !HOP_HEADERS.has(name)) headers[name] = value;
      headers.host = url.host;
      const upstream = httpRequest({
        host: url.hostname.replace(/^\[|\]$/g, ""),
        port: portOf(url),
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
        lookup: guardedLookup(verdict.policy),
        agent: false,
        timeout: settings.connectTimeoutMs,
      });
      upstream.on("timeout", () => upstream.destroy(new Error("timed out")));
      upstream.on("error", (error) => {
        const isRefused = error.name === "OutboundRefusedError";
        if (isRefused) options.onRefused?.({ target: url.host, reason: error.message });
        refuse(isRefused ? 403 : 502, `Gatehouse: ${error.message}`);
      });
      upstream.on("response", (answer) => {
        answer.socket.setTimeout(settings.idleTimeoutMs);
        const answerHeaders: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers))
          if (value !== undefined && !HOP_HEADERS.has(name)) answerHeaders[name] = value;
        res.writeHead(answer.statusCode ?? 502, answerHeaders);
        answer.pipe(res);
        answer.on("error", () => res.destroy());
      });
      req.pipe(upstream);
      res.once("close", () => upstream.destroy());
    });
  });
  server.on("connection", (socket: Socket) => {
    track(socket);
    socket.setTimeout(settings.idleTimeoutMs, () => socket.destroy());
  });
  server.on("clientError", (_error, socket: Duplex) => socket.destroy());
  server.maxConnections = settings.maxTunnels;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });

  let closed: Promise<void> | null = null;
  return {
    socketPath,
    close: () => {
      closed ??= (async () => {
        for (const socket of open) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(dir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
