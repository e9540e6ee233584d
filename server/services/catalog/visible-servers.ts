import type { Db, Prisma, Tx } from "../../db";

/**
 * What one user may see and connect to (DESIGN.md, "Registry"): their own personal servers plus the
 * union of their registries' grants of approved shared servers. Nothing is visible by default, and a
 * deactivated user sees nothing. Platform roles do not widen this: an Owner sees what the registries
 * grant them, like anyone else.
 */
export type VisibleServer = {
  serverId: string;
  slug: string;
  name: string;
  scope: "PERSONAL" | "SHARED";
  /** the registries granting the server to this user (empty for a personal server) */
  via: { registryId: string; registryName: string }[];
  /** null = every tool; otherwise the union of the granting registries' allow-lists */
  allowedTools: string[] | null;
};

const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

const SERVER_SELECT = { id: true, slug: true, name: true } satisfies Prisma.ServerSelect;

/** Every server visible to the user, sorted by name. */
export async function listVisibleServers(options: { db: Db | Tx; userId: string }): Promise<VisibleServer[]> {
  return loadVisibleServers(options.db, options.userId, undefined);
}

/**
 * The visible server with this slug, or null when there is none or the user may not see it. The slug
 * is canonicalized (NFKC, trimmed, lowercased); anything that is then not a valid slug is null.
 */
export async function findVisibleServer(options: {
  db: Db | Tx;
  userId: string;
  slug: string;
}): Promise<VisibleServer | null> {
  const slug = canonicalSlug(options.slug);
  if (slug === null) return null;
  const [server] = await loadVisibleServers(options.db, options.userId, slug);
  return server ?? null;
}

export function isToolAllowed(server: VisibleServer, toolName: string): boolean {
  return server.allowedTools === null || server.allowedTools.includes(toolName);
}

function canonicalSlug(value: string): string | null {
  const slug = value.normalize("NFKC").trim().toLowerCase();
  return SLUG_PATTERN.test(slug) ? slug : null;
}

async function loadVisibleServers(
  db: Db | Tx,
  userId: string,
  slug: string | undefined,
): Promise<VisibleServer[]> {
  const slugFilter = slug === undefined ? {} : { slug };
  // The three reads are independent: issued together, they cost one round trip of latency.
  const [user, personal, grants] = await Promise.all([
    db.user.findUnique({ where: { id: userId }, select: { status: true } }),
    db.server.findMany({
      where: { ownerId: userId, scope: "PERSONAL", status: { not: "RETIRED" }, ...slugFilter },
      select: SERVER_SELECT,
    }),
    db.registryServer.findMany({
      where: {
        server: { scope: "SHARED", status: "APPROVED", ...slugFilter },
        registry: {
          subjects: {
            some: {
              OR: [
                { kind: "EVERYONE" },
                { kind: "USER", userId },
                { kind: "TEAM", team: { members: { some: { userId } } } },
              ],
            },
          },
        },
      },
      select: {
        allowedTools: true,
        registry: { select: { id: true, name: true } },
        server: { select: SERVER_SELECT },
      },
    }),
  ]);
  if (user?.status !== "ACTIVE") return [];

  const visible = new Map<string, VisibleServer>();
  for (const server of personal) {
    visible.set(server.id, {
      serverId: server.id,
      slug: server.slug,
      name: server.name,
      scope: "PERSONAL",
      via: [],
      allowedTools: null,
    });
  }

  const tools = new Map<string, Set<string> | null>();
  for (const grant of grants) {
    const { server, registry } = grant;
    let entry = visible.get(server.id);
    if (!entry) {
      entry = {
        serverId: server.id,
        slug: server.slug,
        name: server.name,
        scope: "SHARED",
        via: [],
        allowedTools: [],
      };
      visible.set(server.id, entry);
      tools.set(server.id, new Set());
    }
    if (!entry.via.some((v) => v.registryId === registry.id))
      entry.via.push({ registryId: registry.id, registryName: registry.name });
    const allowed = tools.get(server.id);
    if (allowed === undefined) continue; // defensive: a personal entry keeps every tool
    if (allowed === null || grant.allowedTools.length === 0) tools.set(server.id, null);
    else for (const tool of grant.allowedTools) allowed.add(tool);
  }

  for (const [serverId, allowed] of tools) {
    const entry = visible.get(serverId);
    if (!entry) continue;
    entry.allowedTools = allowed === null ? null : [...allowed].sort();
    entry.via.sort((a, b) => byName(a.registryName, b.registryName) || compare(a.registryId, b.registryId));
  }

  return [...visible.values()].sort((a, b) => byName(a.name, b.name) || compare(a.slug, b.slug));
}

function byName(a: string, b: string): number {
  return a.localeCompare(b, "en", { sensitivity: "base", numeric: true });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
