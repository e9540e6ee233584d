import type { Db } from "../../db";
import { AppError } from "../../errors";
import type { RegistryCaller } from "./authenticate-caller";
import {
  CATALOG_VERSION_SELECT,
  type CatalogServer,
  type CatalogVersion,
  loadCallerCatalog,
  loadCallerConnections,
} from "./caller-catalog";
import { buildServerEntry, entryUpdatedAt, plainText, type RegistryServerList } from "./server-entry";
import { isRegistryName, namespaceFromPublicUrl } from "./server-names";
import { approvedVersionsWhere } from "./server-versions";

/**
 * `GET /v0.1/servers`: one entry per server the caller may discover, sorted by name, with the
 * approved version (or, with `version=<exact>`, that approved version where a server has it).
 * Query: `cursor` (opaque, from metadata.nextCursor), `limit` 1–100 (default 30), `search`
 * (case-insensitive substring of name, title or description), `updated_since` (RFC 3339),
 * `version` ("latest" or an exact version). Invalid values are a 400, never silently ignored.
 */
export const DEFAULT_LIMIT = 30;
export const MAX_LIMIT = 100;
const MAX_SEARCH_LENGTH = 200;
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;

type Query = {
  cursor: { name: string; id: string } | null;
  limit: number;
  search: string | null;
  updatedSince: Date | null;
  version: string | null;
};

export function encodeCursor(position: { name: string; id: string }): string {
  return Buffer.from(JSON.stringify([position.name, position.id]), "utf8").toString("base64url");
}

function decodeCursor(value: string): { name: string; id: string } | null {
  if (!/^[A-Za-z0-9_-]{1,600}$/.test(value)) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [name, id] = parsed as unknown[];
    if (typeof name !== "string" || typeof id !== "string") return null;
    if (!isRegistryName(name) || !/^[0-9a-f-]{1,64}$/.test(id)) return null;
    return { name, id };
  } catch {
    return null;
  }
}

function single(query: URLSearchParams, key: string): string | null {
  const values = query.getAll(key);
  if (values.length > 1) throw new AppError("BAD_REQUEST", `Give "${key}" at most once.`);
  return values[0] ?? null;
}

export function parseListQuery(query: URLSearchParams): Query {
  const rawLimit = single(query, "limit");
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== null) {
    limit = /^\d{1,3}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT))
      throw new AppError("BAD_REQUEST", `"limit" must be a whole number from 1 to ${MAX_LIMIT}.`);
  }

  const rawCursor = single(query, "cursor");
  const cursor = rawCursor === null || rawCursor === "" ? null : decodeCursor(rawCursor);
  if (rawCursor !== null && rawCursor !== "" && cursor === null)
    throw new AppError("BAD_REQUEST", `"cursor" is not valid; use metadata.nextCursor of the previous page.`);

  const rawSearch = single(query, "search")?.trim() ?? "";
  if (rawSearch.length > MAX_SEARCH_LENGTH)
    throw new AppError("BAD_REQUEST", `"search" must be at most ${MAX_SEARCH_LENGTH} characters.`);

  const rawSince = single(query, "updated_since");
  let updatedSince: Date | null = null;
  if (rawSince !== null) {
    updatedSince = RFC3339_RE.test(rawSince) ? new Date(rawSince) : null;
    if (updatedSince === null || Number.isNaN(updatedSince.getTime()))
      throw new AppError(
        "BAD_REQUEST",
        `"updated_since" must be an RFC 3339 timestamp such as 2025-08-07T13:15:04.280Z.`,
      );
  }

  const rawVersion = single(query, "version");
  if (rawVersion !== null && (rawVersion.length > 255 || !/^[\x21-\x7e]+$/.test(rawVersion)))
    throw new AppError("BAD_REQUEST", `"version" must be "latest" or an exact version such as 1.2.3.`);

  return {
    cursor,
    limit,
    search: rawSearch === "" ? null : rawSearch.toLowerCase(),
    updatedSince,
    version: rawVersion === null || rawVersion === "latest" ? null : rawVersion,
  };
}

function matchesSearch(server: CatalogServer, needle: string): boolean {
  return (
    server.registryApiName.toLowerCase().includes(needle) ||
    server.name.toLowerCase().includes(needle) ||
    plainText(server.description).toLowerCase().includes(needle)
  );
}

function byPosition(a: { name: string; id: string }, b: { name: string; id: string }): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export async function listRegistryServers(options: {
  db: Db;
  caller: RegistryCaller;
  query: URLSearchParams;
  publicUrl: string;
}): Promise<RegistryServerList> {
  const query = parseListQuery(options.query);
  const servers = await loadCallerCatalog({
    db: options.db,
    caller: options.caller,
    namespace: namespaceFromPublicUrl(options.publicUrl),
  });

  // Which version each server contributes: its approved one, or the requested exact version.
  let versionOf = new Map<string, CatalogVersion>(servers.map((s) => [s.id, s.approvedVersion]));
  if (query.version !== null && servers.length > 0) {
    const rows = await options.db.serverVersion.findMany({
      where: {
        version: query.version,
        OR: servers.map((server) => ({ serverId: server.id, ...approvedVersionsWhere(server) })),
      },
      select: { ...CATALOG_VERSION_SELECT, serverId: true },
    });
    versionOf = new Map(rows.map(({ serverId, ...version }) => [serverId, version]));
  }

  const candidates = servers
    .filter((server) => versionOf.has(server.id))
    .filter((server) => query.search === null || matchesSearch(server, query.search))
    .filter((server) => {
      const version = versionOf.get(server.id);
      return query.updatedSince === null || (version && entryUpdatedAt(server, version) > query.updatedSince);
    })
    .map((server) => ({ server, position: { name: server.registryApiName, id: server.id } }))
    .sort((a, b) => byPosition(a.position, b.position));

  const after = query.cursor;
  const remaining = after ? candidates.filter((c) => byPosition(c.position, after) > 0) : candidates;
  const page = remaining.slice(0, query.limit);
  const last = page.at(-1);
  const hasMore = remaining.length > page.length;

  const connections = await loadCallerConnections(
    options.db,
    options.caller,
    page.map((c) => c.server),
  );
  const entries = page.map(({ server }) =>
    buildServerEntry({
      server,
      version: versionOf.get(server.id) as CatalogVersion,
      connections: connections.get(server.id) ?? [],
      publicUrl: options.publicUrl,
    }),
  );
  return {
    servers: entries,
    metadata: { ...(hasMore && last && { nextCursor: encodeCursor(last.position) }), count: entries.length },
  };
}
