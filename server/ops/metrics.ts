import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics. One registry per process, kept on globalThis so the custom HTTP server
 * (which records HTTP metrics) and Next's bundled route handler (which serves /api/metrics)
 * see the same one.
 */
type Metrics = {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route">;
  queueJobs: Gauge<"queue" | "state">;
  workerUp: Gauge;
  mcpExchanges: Counter<"action" | "outcome">;
  mcpAuditBatchRows: Histogram;
};

const GLOBAL_KEY = Symbol.for("gatehouse.metrics");
type GlobalWithMetrics = typeof globalThis & { [GLOBAL_KEY]?: Metrics };

function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "gatehouse_" });
  return {
    registry,
    httpRequests: new Counter({
      name: "gatehouse_http_requests_total",
      help: "HTTP requests served, by route group and status",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "gatehouse_http_request_duration_seconds",
      help: "Time to the end of the response, by route group",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    queueJobs: new Gauge({
      name: "gatehouse_queue_jobs",
      help: "Jobs per queue and state, read from Redis at scrape time",
      labelNames: ["queue", "state"],
      registers: [registry],
    }),
    workerUp: new Gauge({
      name: "gatehouse_worker_up",
      help: "1 when a worker heartbeat is fresh",
      registers: [registry],
    }),
    // Labels are the audit action and outcome only: method names come from upstreams (unbounded).
    mcpExchanges: new Counter({
      name: "gatehouse_mcp_exchanges_total",
      help: "MCP exchanges audited by the proxy, by audit action and outcome",
      labelNames: ["action", "outcome"],
      registers: [registry],
    }),
    mcpAuditBatchRows: new Histogram({
      name: "gatehouse_mcp_audit_batch_rows",
      help: "Rows per group-committed audit INSERT of the MCP proxy",
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
      registers: [registry],
    }),
  };
}

/**
 * The mark the HTTP front sets (and strips from clients, like its other internal headers) on a
 * request from a peer that is not a trusted proxy but sent X-Forwarded-* headers: the front strips
 * those before the app sees them (PROTOCOL X8), so without the mark the app cannot tell that a
 * loopback peer relays for others (mayReadMetrics).
 */
export const RELAYED_HEADER = "x-gatehouse-relayed";

export function metrics(): Metrics {
  const holder = globalThis as GlobalWithMetrics;
  holder[GLOBAL_KEY] ??= createMetrics();
  return holder[GLOBAL_KEY];
}

/**
 * Route groups keep label cardinality bounded: ids and slugs never become label values.
 */
export function routeGroup(pathname: string): string {
  if (pathname.startsWith("/_next/")) return "static";
  if (pathname.startsWith("/api/trpc/")) return "trpc";
  if (pathname.startsWith("/api/")) return pathname.split("/").slice(0, 3).join("/");
  if (pathname.startsWith("/mcp/") || pathname.startsWith("/.well-known/oauth-protected-resource/mcp/"))
    return "mcp";
  if (pathname === "/v0.1" || pathname.startsWith("/v0.1/")) return "registry-api";
  return "page";
}
