import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import next from "next";
import { PAGE_PATH_HEADER } from "../auth/local-path";
import { db } from "../db";
import type { Env } from "../env";
import { logger } from "../logger";
import { isMcpPath, serveMcpNode, splitRequestTarget } from "../mcp/adapters/node";
import { metrics, RELAYED_HEADER, routeGroup } from "../ops/metrics";
import { tokenUsageBuffer } from "../services/tokens/authenticate-api-token";
import { resolveClientIp, trustedProxyList } from "./client-ip";
import { contentSecurityPolicy, securityHeaders } from "./security-headers";

/**
 * Gatehouse's HTTP front: a plain node:http server in front of Next. It owns what every request
 * needs (request id, client IP, security headers, CSRF origin check, logs, metrics) and hands pages,
 * tRPC and route handlers to Next. The MCP proxy endpoints (/mcp/<id> and their protected resource
 * metadata) are dispatched here directly to server/mcp, skipping Next's per-request cost (see
 * DESIGN.md, "Where the proxy runs"); Next's route handlers serve the same handler elsewhere.
 */

/** Headers only this server may set; a client sending them is ignored (they are overwritten). */
const INTERNAL_HEADERS = [
  "x-gatehouse-client-ip",
  PAGE_PATH_HEADER,
  RELAYED_HEADER,
  "x-nonce",
  "content-security-policy",
  "content-security-policy-report-only",
];

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/**
 * The largest body a page or API request may carry (MCP endpoints have their own caps). Next and
 * Auth.js read bodies whole, before any check (a sign-in POST needs no session), so without it a few
 * anonymous multi-gigabyte POSTs would take the process's memory, and the proxy with it.
 */
export const MAX_PAGE_BODY_BYTES = 1024 * 1024;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,128}$/;
const QUIET_ROUTES = new Set(["static", "/api/health", "/api/metrics"]);

/** Paths whose last segment is a secret (a password-reset or invitation token): logged without it. */
const SECRET_PATH = /^\/(reset-password|invite)\/[^/]+/;

/** The path as the access log shows it: with the token of a reset or invitation link hidden. */
export function loggedPath(pathname: string): string {
  return pathname.replace(SECRET_PATH, "/$1/[token]");
}

function isCrossSite(req: IncomingMessage, publicOrigin: string, isHttps: boolean): boolean {
  if (req.headers["sec-fetch-site"] === "cross-site") return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  const addressed = req.headers.host ? `${isHttps ? "https" : "http"}://${req.headers.host}` : undefined;
  return origin !== publicOrigin && origin !== addressed;
}

export type GatehouseServer = { server: Server; close: () => Promise<void>; url: string };

/** What the front needs of Next: embedders and tests may hand it another page server (or none). */
export type PagesApp = {
  prepare: () => Promise<void>;
  getRequestHandler: () => (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  close?: () => Promise<void>;
};

/**
 * Why a page or API request's body is refused before anyone reads it: declared larger than
 * MAX_PAGE_BODY_BYTES, or sent without a declared length (chunked), whose size is only known once
 * read. Node's parser holds a body to its Content-Length, so a declared length cannot be exceeded.
 */
function bodyRefusal(req: IncomingMessage): { status: number; code: string; message: string } | null {
  if (SAFE_METHODS.has(req.method ?? "GET")) return null;
  if (req.headers["transfer-encoding"] !== undefined)
    return { status: 411, code: "LENGTH_REQUIRED", message: "Send the request body with a Content-Length." };
  if (Number(req.headers["content-length"] ?? 0) > MAX_PAGE_BODY_BYTES)
    return {
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
      message: `The request body is over ${MAX_PAGE_BODY_BYTES / 1024 / 1024} MiB.`,
    };
  return null;
}

function sendJsonError(res: ServerResponse, status: number, code: string, message: string): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify({ error: { code, message } }));
}

export async function startGatehouseServer(
  config: Env,
  options: { dev: boolean; dir: string; pages?: PagesApp },
): Promise<GatehouseServer> {
  const log = logger().child({ component: "http" });
  const app: PagesApp =
    options.pages ?? next({ dev: options.dev, dir: options.dir, hostname: config.HOST, port: config.PORT });
  await app.prepare();
  const handle = app.getRequestHandler();
  const trusted = trustedProxyList(config.GATEHOUSE_TRUSTED_PROXIES);
  const publicOrigin = new URL(config.GATEHOUSE_PUBLIC_URL).origin;
  const { httpRequests, httpDuration } = metrics();

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const target = splitRequestTarget(req.url ?? "/");
    const pathname = target.path;
    const route = routeGroup(pathname);

    const client = resolveClientIp({
      socketAddress: req.socket.remoteAddress,
      forwardedFor: req.headers["x-forwarded-for"],
      trusted,
    });
    const forwardedProto = client.viaTrustedProxy ? req.headers["x-forwarded-proto"] : undefined;
    const isHttps = publicOrigin.startsWith("https:") || forwardedProto === "https";
    const incomingId = client.viaTrustedProxy ? req.headers["x-request-id"] : undefined;
    const requestId =
      typeof incomingId === "string" && REQUEST_ID_PATTERN.test(incomingId) ? incomingId : randomUUID();

    for (const name of INTERNAL_HEADERS) delete req.headers[name];
    if (!client.viaTrustedProxy) {
      // Spoofable forwarding headers from clients never reach the app (PROTOCOL X8); that some were
      // sent is kept, since a peer that relays for others is not a local client (metrics).
      for (const name of Object.keys(req.headers))
        if (name.startsWith("x-forwarded-")) {
          delete req.headers[name];
          req.headers[RELAYED_HEADER] = "1";
        }
    }
    // MCP endpoints (agents, JSON and SSE only) skip the page machinery: no nonce, no CSP.
    const isMcp = isMcpPath(pathname);
    req.headers["x-request-id"] = requestId;
    req.headers["x-gatehouse-client-ip"] = client.ip;
    res.setHeader("x-request-id", requestId);
    if (isMcp) res.setHeader("x-content-type-options", "nosniff");
    else {
      const nonce = randomBytes(16).toString("base64");
      const csp = contentSecurityPolicy({ nonce, isDev: options.dev, isHttps });
      // The page asked for, so a page behind sign-in can send the visitor back to it afterwards.
      req.headers[PAGE_PATH_HEADER] = `${pathname}${target.search}`;
      req.headers["x-nonce"] = nonce;
      req.headers["content-security-policy"] = csp;
      for (const [name, value] of Object.entries(securityHeaders({ csp, isHttps })))
        res.setHeader(name, value);
    }

    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      httpRequests.inc({ method: req.method ?? "GET", route, status: String(res.statusCode) });
      httpDuration.observe({ method: req.method ?? "GET", route }, seconds);
      // Health checks, metrics scrapes and static files are not logged unless they fail; MCP
      // exchanges that succeed are logged at debug only: each one is in the audit log already, and
      // a line per tool call would be the bulk of the log (and a write per call).
      const isQuiet = res.statusCode < 500 && (QUIET_ROUTES.has(route) || (isMcp && res.statusCode < 400));
      if (!isQuiet || log.isLevelEnabled("debug")) {
        log[isQuiet ? "debug" : "info"](
          {
            requestId,
            method: req.method,
            path: loggedPath(pathname),
            status: res.statusCode,
            ms: Math.round(seconds * 1000),
            ip: client.ip,
          },
          "request",
        );
      }
    });

    // The fast path (DESIGN "Where the proxy runs"): MCP goes straight to its handler, which makes
    // its own, stricter Origin check (PROTOCOL T15: only the public origin, never Host-derived).
    if (isMcp) {
      try {
        await serveMcpNode(req, res, { clientIp: client.ip, requestId, target });
      } catch (error) {
        log.error({ err: error, requestId }, "unhandled error while serving an MCP request");
        if (!res.headersSent)
          sendJsonError(res, 500, "INTERNAL", "Something went wrong on our side. The error has been logged.");
        else res.destroy();
      }
      return;
    }

    // CSRF (PROTOCOL X5): browsers send Origin (and Sec-Fetch-Site) on state-changing requests.
    // Only our public origin, or the origin the browser addressed (Host, which a page on another
    // site cannot set), may change state; everything else is refused before any handler runs.
    if (!SAFE_METHODS.has(req.method ?? "GET") && isCrossSite(req, publicOrigin, isHttps)) {
      sendJsonError(res, 403, "FORBIDDEN", "Cross-origin request refused.");
      return;
    }

    const refusal = bodyRefusal(req);
    if (refusal !== null) {
      // The connection is closed after the answer rather than the body read.
      res.setHeader("connection", "close");
      sendJsonError(res, refusal.status, refusal.code, refusal.message);
      return;
    }

    try {
      await handle(req, res);
    } catch (error) {
      log.error({ err: error, requestId }, "unhandled error while serving a request");
      if (!res.headersSent)
        sendJsonError(res, 500, "INTERNAL", "Something went wrong on our side. The error has been logged.");
      else res.destroy();
    }
  };

  const server = createServer((req, res) => void handler(req, res));
  // Slow-loris and idle sockets are cut; long-lived SSE streams set their own keep-alive.
  server.headersTimeout = 20_000;
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });

  const close = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // In-flight requests get a grace period, then their sockets are cut.
      setTimeout(() => server.closeAllConnections(), 10_000).unref();
    });
    // API-token uses counted since the last periodic flush would otherwise be lost.
    await tokenUsageBuffer(db)
      .flush()
      .catch((error: unknown) =>
        logger().warn({ err: error }, "could not write the last token usage counts"),
      );
    await app.close?.();
  };

  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  return {
    server,
    close,
    url: `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}`,
  };
}
