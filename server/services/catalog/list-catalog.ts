import type { Db, Tx } from "../../db";
import { displayLine, displayText, httpUrlOrNull, markdownExcerpt } from "./display-text";
import { readCapabilities } from "./read-capabilities";
import { isToolAllowed, listVisibleServers } from "./visible-servers";

/**
 * The catalog one user browses: exactly the servers visible to them (visible-servers.ts), as cards,
 * plus the tags across all of them for the filter chips. Search and tag filters narrow the cards,
 * never the facets. Every text is cleaned for display (display-text.ts).
 */

export type CatalogHealth = {
  status: "UNKNOWN" | "HEALTHY" | "UNHEALTHY";
  latencyMs: number | null;
  checkedAt: Date | null;
};

export type CatalogCard = {
  id: string;
  slug: string;
  name: string;
  /** plain text, markdown stripped, at most 200 characters */
  description: string;
  /** an absolute http(s) URL, or null */
  iconUrl: string | null;
  tags: string[];
  scope: "PERSONAL" | "SHARED";
  /** a personal server without an approved version: listed for its owner, not connectable yet */
  isDraft: boolean;
  transport: "STREAMABLE_HTTP" | "SSE" | "STDIO" | null;
  version: string | null;
  /** tools this user may call; null until the upstream's tools were discovered */
  toolCount: number | null;
  health: CatalogHealth;
  /** this user's connections to the server */
  connectionCount: number;
};

export type CatalogFacet = { tag: string; count: number };

export type CatalogList = {
  servers: CatalogCard[];
  /** every tag across the user's visible servers (not only the filtered ones), most used first */
  facets: CatalogFacet[];
  /** how many servers the user can see before search and tag filters */
  total: number;
};

export async function listCatalog(options: {
  db: Db | Tx;
  userId: string;
  search?: string;
  tags?: string[];
}): Promise<CatalogList> {
  const { db, userId } = options;
  const visible = await listVisibleServers({ db, userId });
  if (visible.length === 0) return { servers: [], facets: [], total: 0 };
  const ids = visible.map((server) => server.serverId);

  // One query per table whatever the number of servers.
  const servers = await db.server.findMany({
    where: { id: { in: ids } },
    select: {
      id: true,
      slug: true,
      name: true,
      description: true,
      iconUrl: true,
      tags: true,
      scope: true,
      approvedVersionId: true,
      healthStatus: true,
      healthLatencyMs: true,
      healthCheckedAt: true,
    },
  });
  const approvedIds = servers.flatMap((server) =>
    server.approvedVersionId ? [server.approvedVersionId] : [],
  );
  const draftIds = servers.filter((server) => !server.approvedVersionId).map((server) => server.id);
  const versions = await db.serverVersion.findMany({
    where: { OR: [{ id: { in: approvedIds } }, { serverId: { in: draftIds } }] },
    select: { id: true, serverId: true, version: true, transport: true, capabilities: true, createdAt: true },
  });
  const connections = await db.connection.groupBy({
    by: ["serverId"],
    where: { userId, serverId: { in: ids } },
    _count: { _all: true },
  });

  const versionById = new Map(versions.map((version) => [version.id, version]));
  // A draft shows its newest version (what its owner is working on).
  const latestByServer = new Map<string, (typeof versions)[number]>();
  for (const version of versions) {
    const current = latestByServer.get(version.serverId);
    if (!current || version.createdAt > current.createdAt) latestByServer.set(version.serverId, version);
  }
  const connectionCounts = new Map(connections.map((row) => [row.serverId, row._count._all]));
  const rowById = new Map(servers.map((server) => [server.id, server]));

  const cards: (CatalogCard & { searchText: string })[] = [];
  for (const entry of visible) {
    const server = rowById.get(entry.serverId);
    if (!server) continue; // deleted between the two reads
    const version = server.approvedVersionId
      ? versionById.get(server.approvedVersionId)
      : latestByServer.get(server.id);
    const capabilities = readCapabilities(version?.capabilities);
    const name = displayLine(server.name) || server.slug;
    const tags = cleanTags(server.tags);
    const description = displayText(server.description);
    cards.push({
      id: server.id,
      slug: server.slug,
      name,
      description: markdownExcerpt(description),
      iconUrl: httpUrlOrNull(server.iconUrl),
      tags,
      scope: entry.scope,
      isDraft: server.approvedVersionId === null,
      transport: version?.transport ?? null,
      version: version ? displayLine(version.version, 100) : null,
      toolCount: capabilities
        ? capabilities.tools.filter((tool) => isToolAllowed(entry, tool.name)).length
        : null,
      health: {
        status: server.healthStatus,
        latencyMs: server.healthLatencyMs,
        checkedAt: server.healthCheckedAt,
      },
      connectionCount: connectionCounts.get(server.id) ?? 0,
      searchText: searchable([name, server.slug, description, ...tags].join("\n")),
    });
  }

  // Tags that differ only in case are one facet (the filter ignores case too).
  const facetCounts = new Map<string, CatalogFacet>();
  for (const card of cards) {
    for (const tag of card.tags) {
      const facet = facetCounts.get(tag.toLowerCase());
      if (facet) facet.count += 1;
      else facetCounts.set(tag.toLowerCase(), { tag, count: 1 });
    }
  }
  const facets = [...facetCounts.values()].sort(
    (a, b) => b.count - a.count || a.tag.localeCompare(b.tag, "en", { sensitivity: "base" }),
  );

  const terms = searchable(options.search ?? "")
    .split(/\s+/)
    .filter((term) => term !== "");
  const wanted = [...new Set((options.tags ?? []).map(searchable).filter((tag) => tag !== ""))];
  const matches = cards.filter((card) => {
    if (!terms.every((term) => card.searchText.includes(term))) return false;
    const tags = new Set(card.tags.map(searchable));
    return wanted.every((tag) => tags.has(tag));
  });

  return {
    servers: matches.map(({ searchText: _searchText, ...card }) => card),
    facets,
    total: cards.length,
  };
}

/** Case- and width-insensitive form for matching ("ＧｉｔＨｕｂ" finds "github"). */
function searchable(value: string): string {
  return displayLine(value.normalize("NFKC"), 100_000).toLowerCase();
}

/** Display tags: cleaned, empty ones dropped, duplicates (ignoring case) removed. */
export function cleanTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of tags.slice(0, 50)) {
    const tag = displayLine(raw, 60);
    const key = tag.toLowerCase();
    if (tag === "" || seen.has(key)) continue;
    seen.add(key);
    out.push(tag);
  }
  return out;
}
