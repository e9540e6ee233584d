import type { Db, Prisma } from "../../db";
import { listVisibleServers } from "../catalog/visible-servers";
import type { RegistryCaller } from "./authenticate-caller";
import { registryNameOf } from "./server-names";

/**
 * The servers a Registry API caller may discover: exactly what the user may see
 * (listVisibleServers) that has an approved version, narrowed by an API token to its scope. A token
 * scope entry naming a server admits that server and every connection of the user to it; one naming
 * a connection admits that connection's server, with only that connection. An empty scope admits
 * nothing.
 */
export const CATALOG_SERVER_SELECT = {
  id: true,
  slug: true,
  name: true,
  registryName: true,
  description: true,
  iconUrl: true,
  websiteUrl: true,
  repositoryUrl: true,
  approvedVersionId: true,
  updatedAt: true,
} satisfies Prisma.ServerSelect;

export const CATALOG_VERSION_SELECT = {
  id: true,
  version: true,
  status: true,
  createdAt: true,
  reviewedAt: true,
} satisfies Prisma.ServerVersionSelect;

type ServerRow = Prisma.ServerGetPayload<{ select: typeof CATALOG_SERVER_SELECT }>;
export type CatalogVersion = Prisma.ServerVersionGetPayload<{ select: typeof CATALOG_VERSION_SELECT }>;

export type CatalogServer = ServerRow & {
  approvedVersionId: string;
  approvedVersion: CatalogVersion;
  /** the name in the Registry API */
  registryApiName: string;
  isExplicitName: boolean;
  /** null = every connection of the caller to the server; otherwise only these */
  connectionFilter: Set<string> | null;
};

type ScopeGrant = Map<string, Set<string> | null>;

/**
 * serverId → the connections a token admits for it (null = all of the user's). An entry naming a
 * connection admits only that connection, even when it also names the server (least privilege);
 * if the two disagree, the entry admits nothing.
 */
async function scopeGrant(db: Db, caller: RegistryCaller): Promise<ScopeGrant | null> {
  if (caller.scope === null) return null;
  const grant: ScopeGrant = new Map();
  for (const entry of caller.scope)
    if (entry.serverId && !entry.connectionId) grant.set(entry.serverId, null);
  const connectionEntries = caller.scope.filter((entry) => entry.connectionId !== undefined);
  if (connectionEntries.length === 0) return grant;
  // Only the caller's own connections count; another user's id in a scope admits nothing.
  const connections = await db.connection.findMany({
    where: {
      id: { in: connectionEntries.map((entry) => entry.connectionId as string) },
      userId: caller.userId,
    },
    select: { id: true, serverId: true },
  });
  const serverOf = new Map(connections.map((connection) => [connection.id, connection.serverId]));
  for (const entry of connectionEntries) {
    const serverId = serverOf.get(entry.connectionId as string);
    if (serverId === undefined || (entry.serverId !== undefined && entry.serverId !== serverId)) continue;
    const existing = grant.get(serverId);
    if (existing === null) continue;
    grant.set(serverId, (existing ?? new Set<string>()).add(entry.connectionId as string));
  }
  return grant;
}

export async function loadCallerCatalog(options: {
  db: Db;
  caller: RegistryCaller;
  namespace: string;
}): Promise<CatalogServer[]> {
  const { db, caller } = options;
  const grant = await scopeGrant(db, caller);
  if (grant !== null && grant.size === 0) return [];

  const visible = await listVisibleServers({ db, userId: caller.userId });
  const ids = visible.map((server) => server.serverId).filter((id) => grant === null || grant.has(id));
  if (ids.length === 0) return [];

  const rows = await db.server.findMany({
    where: { id: { in: ids }, approvedVersionId: { not: null } },
    select: { ...CATALOG_SERVER_SELECT, approvedVersion: { select: CATALOG_VERSION_SELECT } },
  });
  const servers: CatalogServer[] = [];
  for (const row of rows) {
    const { approvedVersion, approvedVersionId } = row;
    if (approvedVersion === null || approvedVersionId === null) continue;
    const { name, isExplicit } = registryNameOf(row, options.namespace);
    servers.push({
      ...row,
      approvedVersionId,
      approvedVersion,
      registryApiName: name,
      isExplicitName: isExplicit,
      connectionFilter: grant?.get(row.id) ?? null,
    });
  }
  return servers;
}

/**
 * The caller's server with this registry name, or null (not visible and nonexistent look the same).
 * An exact match wins; otherwise a case-insensitive one when it is unambiguous. A server's own
 * reverse-DNS name wins over a derived `<namespace>/<slug>` that happens to be spelled the same.
 */
export function findCatalogServer(servers: CatalogServer[], name: string): CatalogServer | null {
  const byPreference = (a: CatalogServer, b: CatalogServer) =>
    Number(b.isExplicitName) - Number(a.isExplicitName);
  const exact = servers.filter((server) => server.registryApiName === name).sort(byPreference);
  if (exact[0]) return exact[0];
  const lower = name.toLowerCase();
  const folded = servers.filter((server) => server.registryApiName.toLowerCase() === lower);
  return folded.length === 1 ? (folded[0] ?? null) : null;
}

export type CallerConnection = { id: string; publicId: string; serverId: string; serverVersionId: string };

/** The caller's connections to these servers, as far as the token admits them, oldest first. */
export async function loadCallerConnections(
  db: Db,
  caller: RegistryCaller,
  servers: CatalogServer[],
): Promise<Map<string, CallerConnection[]>> {
  const byServer = new Map<string, CallerConnection[]>();
  if (servers.length === 0) return byServer;
  const connections = await db.connection.findMany({
    where: { userId: caller.userId, serverId: { in: servers.map((server) => server.id) } },
    select: { id: true, publicId: true, serverId: true, serverVersionId: true },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  const filters = new Map(servers.map((server) => [server.id, server.connectionFilter]));
  for (const connection of connections) {
    const filter = filters.get(connection.serverId);
    if (filter && !filter.has(connection.id)) continue;
    const list = byServer.get(connection.serverId) ?? [];
    list.push(connection);
    byServer.set(connection.serverId, list);
  }
  return byServer;
}
