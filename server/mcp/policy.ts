import type { Db, Prisma } from "../db";
import { findVisibleServer } from "../services/catalog/visible-servers";
import { CONNECTION_VERSION_SELECT, type ConnectionVersion } from "../services/connections/connection-config";
import type { McpPrincipal } from "./authenticate";

/**
 * The policy of every request (DESIGN "How a tool call flows", step 3): the connection behind the
 * URL, owned by the credential's user; the credential's scope admits it; the server is still
 * visible to the user (approved and granted by a registry, or their own personal server); the
 * connection is configured. The tool allow-list is the registry grant's narrowed by the token's.
 * The handler reaches these through policy-cache.ts, which reuses a decision only while the access
 * epochs are unchanged: a revoked grant or a changed scope still applies to the very next request.
 */

export const CONNECTION_ACCESS_SELECT = {
  id: true,
  publicId: true,
  userId: true,
  serverId: true,
  serverVersionId: true,
  status: true,
  config: true,
  secrets: true,
  server: { select: { id: true, slug: true, name: true } },
  serverVersion: { select: CONNECTION_VERSION_SELECT },
} satisfies Prisma.ConnectionSelect;

export type ConnectionRow = Prisma.ConnectionGetPayload<{ select: typeof CONNECTION_ACCESS_SELECT }>;

export type ConnectionAccess = {
  connection: ConnectionRow;
  version: ConnectionVersion;
  /** null = every tool the upstream offers; otherwise only these names (grant ∩ scope) */
  allowedTools: ReadonlySet<string> | null;
  /** the registry grant's allow-list (null = every tool), to name the reason of a denial */
  grantTools: ReadonlySet<string> | null;
  /** the credential's tool list for this connection (null = every tool) */
  scopeTools: ReadonlySet<string> | null;
};

/** Why a request was refused; `status` is the HTTP answer when the refusal is not a JSON-RPC error. */
export type DenialReason =
  | "connection_not_found"
  | "insufficient_scope"
  | "server_not_available"
  | "connection_not_configured"
  | "tool_not_allowed"
  | "method_not_found"
  | "notification_not_relayed"
  | "session_not_found"
  | "rate_limited"
  | "too_many_unknown_credentials"
  | "too_many_streams";

export class PolicyDenied extends Error {
  constructor(
    readonly reason: DenialReason,
    readonly status: 403 | 404 | 429,
    message: string,
    /** for 429: seconds until the window resets (Retry-After) */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "PolicyDenied";
  }
}

export function connectionNotFound(): PolicyDenied {
  // The same answer for "no such URL" and "someone else's URL": existence is never revealed.
  return new PolicyDenied("connection_not_found", 404, "This connection doesn't exist.");
}

export async function loadConnection(db: Db, publicId: string): Promise<ConnectionRow | null> {
  return db.connection.findUnique({ where: { publicId }, select: CONNECTION_ACCESS_SELECT });
}

/** The scope entries of the credential that admit this connection (see registry-api/caller-catalog.ts). */
function admittingEntries(principal: McpPrincipal, connection: ConnectionRow) {
  return principal.scopes.filter((entry) =>
    entry.connectionId !== undefined
      ? entry.connectionId === connection.id &&
        (entry.serverId === undefined || entry.serverId === connection.serverId)
      : entry.serverId === connection.serverId,
  );
}

function intersect(a: ReadonlySet<string> | null, b: ReadonlySet<string> | null): ReadonlySet<string> | null {
  if (a === null) return b;
  if (b === null) return a;
  return new Set([...a].filter((name) => b.has(name)));
}

export async function evaluateAccess(options: {
  db: Db;
  principal: McpPrincipal;
  connection: ConnectionRow | null;
}): Promise<ConnectionAccess> {
  const { principal, connection } = options;
  if (!connection || connection.userId !== principal.userId) throw connectionNotFound();

  const entries = admittingEntries(principal, connection);
  if (entries.length === 0)
    throw new PolicyDenied(
      "insufficient_scope",
      403,
      "This token's scope does not include this connection or its server.",
    );
  const scopeTools = entries.some((entry) => entry.tools === undefined)
    ? null
    : new Set(entries.flatMap((entry) => entry.tools ?? []));

  const visible = await findVisibleServer({
    db: options.db,
    userId: principal.userId,
    slug: connection.server.slug,
  });
  if (!visible || visible.serverId !== connection.serverId)
    throw new PolicyDenied(
      "server_not_available",
      403,
      "This server is no longer available to you (its registry grant was removed, or it was retired).",
    );
  if (connection.status !== "CONFIGURED")
    throw new PolicyDenied(
      "connection_not_configured",
      403,
      connection.status === "UPSTREAM_AUTH_NEEDED"
        ? "This connection needs its upstream sign-in before use."
        : "This connection needs configuration before use; finish it in Gatehouse.",
    );

  const grantTools = visible.allowedTools === null ? null : new Set(visible.allowedTools);
  return {
    connection,
    version: connection.serverVersion,
    allowedTools: intersect(grantTools, scopeTools),
    grantTools,
    scopeTools,
  };
}

export function isToolAllowed(access: Pick<ConnectionAccess, "allowedTools">, name: string): boolean {
  return access.allowedTools === null || access.allowedTools.has(name);
}

/** Why `name` may not be called, in words for the agent (the JSON-RPC error names the reason). */
export function toolDenialMessage(access: ConnectionAccess, name: string): string {
  const shown = JSON.stringify(name.slice(0, 100));
  if (access.grantTools !== null && !access.grantTools.has(name))
    return `The tool ${shown} is not allowed: the registry that grants you this server does not include it.`;
  return `The tool ${shown} is not allowed: this token's scope does not include it.`;
}
