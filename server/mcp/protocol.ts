/**
 * What the proxy speaks toward agents: the MCP streamable HTTP revisions it supports, the methods
 * it relays, and its own JSON-RPC error codes. One place, so the handler, the relay and the tests
 * agree on the same lists.
 */

/** Newest first. 2026-07-28 (stateless, per-request `_meta`) is a later slice. */
export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"] as const;
export type ProtocolVersion = (typeof SUPPORTED_PROTOCOL_VERSIONS)[number];
export const LATEST_PROTOCOL_VERSION: ProtocolVersion = "2025-11-25";
/** What a request without MCP-Protocol-Version means when nothing was negotiated (spec, 2025-06-18). */
export const DEFAULT_PROTOCOL_VERSION: ProtocolVersion = "2025-03-26";

export function isSupportedVersion(value: unknown): value is ProtocolVersion {
  return typeof value === "string" && (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(value);
}

/**
 * Requests an agent may send (client → server, every supported revision). Anything else is answered
 * with -32601 by the gateway itself and never reaches the upstream: deny by default, so a method
 * added to MCP later cannot slip past the policy check before this list (and the policy) learn it.
 */
export const CLIENT_REQUEST_METHODS: ReadonlySet<string> = new Set([
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "prompts/list",
  "prompts/get",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "completion/complete",
  "logging/setLevel",
  // 2025-11-25 (experimental tasks): a task is created by a tools/call that passed the policy.
  "tasks/get",
  "tasks/result",
  "tasks/list",
  "tasks/cancel",
]);

/** Notifications an agent may send; others are acknowledged (202) but not relayed. */
export const CLIENT_NOTIFICATION_METHODS: ReadonlySet<string> = new Set([
  "notifications/initialized",
  "notifications/cancelled",
  "notifications/progress",
  "notifications/roots/list_changed",
  "notifications/tasks/status",
]);

/** The list methods whose results are narrowed to what the user may use, and the array they hold. */
export const LIST_RESULT_KEYS: Readonly<
  Record<string, "tools" | "prompts" | "resources" | "resourceTemplates">
> = {
  "tools/list": "tools",
  "prompts/list": "prompts",
  "resources/list": "resources",
  "resources/templates/list": "resourceTemplates",
};

/**
 * JSON-RPC error codes the gateway answers with. The standard ones are JSON-RPC 2.0's; the others
 * sit in the implementation-defined server-error range (-32000…-32099), clear of the codes the MCP
 * SDK uses (-32000 connection closed, -32001 request timeout, -32002 resource not found, -32042 URL
 * elicitation required).
 */
export const RPC_ERROR = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** authentication failed (HTTP 401 carries the detail in WWW-Authenticate) */
  UNAUTHORIZED: -32001,
  /** denied by policy: scope, grant, tool allow-list, connection state */
  FORBIDDEN: -32003,
  /** unknown connection or session */
  NOT_FOUND: -32004,
  /** a dependency of the gateway (database, Redis, audit store) is unreachable */
  UNAVAILABLE: -32050,
  /** the upstream could not be reached or answered with an error outside JSON-RPC */
  UPSTREAM_ERROR: -32051,
  /** the upstream did not answer in time */
  UPSTREAM_TIMEOUT: -32052,
  /** the upstream's answer was over the size limit */
  UPSTREAM_TOO_LARGE: -32053,
  /** this server's transport is not relayed yet */
  TRANSPORT_UNSUPPORTED: -32054,
  /** the agent cancelled the request (only on a JSON answer, which HTTP needs; an SSE stream just ends) */
  REQUEST_CANCELLED: -32800,
} as const;

export const MCP_PATH_PREFIX = "/mcp/";
export const PRM_PATH_PREFIX = "/.well-known/oauth-protected-resource/mcp/";

/** Methods the endpoint answers (PROTOCOL T18: everything else is 405 with this Allow header). */
export const ALLOWED_HTTP_METHODS = "GET, POST, DELETE, OPTIONS";
