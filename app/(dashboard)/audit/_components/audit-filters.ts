import type { AuditKind, AuditOutcomeFilter, AuditPeriod } from "@/server/services/audit/list-audit-events";

/**
 * The audit log's filters as they live in the address bar (?kind=mcp&outcome=denied&period=7d&q=…)
 * and as the audit.list input. Shared by the page (server prefetch) and the browser component, so
 * both ask for the same query and the prefetched first page is used.
 */
export type AuditFilters = {
  kind: AuditKind;
  /** "" for any outcome */
  outcome: "" | AuditOutcomeFilter;
  period: AuditPeriod;
  search: string;
  /** the acting user, or null */
  userId: string | null;
  /** the API token used, or null */
  tokenId: string | null;
  serverId: string | null;
  connectionId: string | null;
  /** one MCP session, or null */
  sessionId: string | null;
};

export const DEFAULT_PERIOD: AuditPeriod = "24h";

export const DEFAULT_FILTERS: AuditFilters = {
  kind: "all",
  outcome: "",
  period: DEFAULT_PERIOD,
  search: "",
  userId: null,
  tokenId: null,
  serverId: null,
  connectionId: null,
  sessionId: null,
};

// Records rather than arrays, so the compiler insists on a label for every value the service knows.
export const KIND_LABELS: Record<AuditKind, string> = {
  all: "All events",
  mcp: "MCP traffic",
  access: "Activity in Gatehouse",
};

export const OUTCOME_LABELS: Record<AuditOutcomeFilter, string> = {
  OK: "OK",
  DENIED: "Denied",
  UPSTREAM_ERROR: "Upstream error",
  TIMEOUT: "Timeout",
  ERROR: "Error",
  CANCELLED: "Cancelled",
};

export const PERIOD_LABELS: Record<AuditPeriod, string> = {
  "1h": "Last hour",
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  all: "All time",
};

/** The period in the words of a sentence: "in the last 24 hours", "" for all time. */
export const PERIOD_PHRASES: Record<AuditPeriod, string> = {
  "1h": " in the last hour",
  "24h": " in the last 24 hours",
  "7d": " in the last 7 days",
  "30d": " in the last 30 days",
  all: "",
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type SearchParams = Record<string, string | string[] | undefined>;

function oneOf<T extends string>(labels: Record<T, string>, value: string | undefined): T | undefined {
  return value !== undefined && Object.hasOwn(labels, value) ? (value as T) : undefined;
}

/** The filters a link or a reload asks for; anything unknown or malformed falls back to the default. */
export function filtersFromParams(params: SearchParams): AuditFilters {
  const get = (key: string) => {
    const value = params[key];
    return Array.isArray(value) ? value[0] : value;
  };
  const id = (key: string) => {
    const value = get(key)?.trim();
    return value && UUID.test(value) ? value.toLowerCase() : null;
  };
  return {
    kind: oneOf(KIND_LABELS, get("kind")) ?? "all",
    outcome: oneOf(OUTCOME_LABELS, get("outcome")?.toUpperCase()) ?? "",
    period: oneOf(PERIOD_LABELS, get("period")) ?? DEFAULT_PERIOD,
    search: (get("q") ?? "").trim().slice(0, 200),
    userId: id("user"),
    tokenId: id("token"),
    serverId: id("server"),
    connectionId: id("connection"),
    sessionId: get("session")?.trim().slice(0, 200) || null,
  };
}

/** The address-bar query for the filters: only what differs from the defaults, "" when nothing does. */
export function filtersToQuery(filters: AuditFilters): string {
  const params = new URLSearchParams();
  if (filters.kind !== "all") params.set("kind", filters.kind);
  if (filters.outcome) params.set("outcome", filters.outcome.toLowerCase());
  if (filters.period !== DEFAULT_PERIOD) params.set("period", filters.period);
  if (filters.search) params.set("q", filters.search);
  if (filters.userId) params.set("user", filters.userId);
  if (filters.tokenId) params.set("token", filters.tokenId);
  if (filters.serverId) params.set("server", filters.serverId);
  if (filters.connectionId) params.set("connection", filters.connectionId);
  if (filters.sessionId) params.set("session", filters.sessionId);
  const query = params.toString();
  return query ? `?${query}` : "";
}

export function listInput(filters: AuditFilters) {
  return {
    period: filters.period,
    ...(filters.kind !== "all" ? { kind: filters.kind } : {}),
    ...(filters.outcome ? { outcome: filters.outcome } : {}),
    ...(filters.search ? { search: filters.search } : {}),
    ...(filters.userId ? { userId: filters.userId } : {}),
    ...(filters.tokenId ? { tokenId: filters.tokenId } : {}),
    ...(filters.serverId ? { serverId: filters.serverId } : {}),
    ...(filters.connectionId ? { connectionId: filters.connectionId } : {}),
    ...(filters.sessionId ? { sessionId: filters.sessionId } : {}),
  };
}

export function hasNarrowingFilters(filters: AuditFilters): boolean {
  return filtersToQuery({ ...filters, period: DEFAULT_PERIOD }) !== "";
}
