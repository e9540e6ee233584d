import type { Db } from "../../db";
import { parseTokenScopes } from "./authenticate-api-token";
import { type ScopeResolver, TOKEN_ROW_SELECT, type TokenRow, toTokenRow } from "./token-row";
import { loadScopeTargets } from "./token-scope-targets";

/**
 * Revoked and expired tokens listed at most, newest first: their history is useful for a while,
 * but the list stops rather than growing without end. Active tokens are always all listed (there
 * are at most MAX_ACTIVE_TOKENS_PER_USER), so none drops out of reach of its revoke button.
 */
const MAX_INACTIVE_LISTED = 200;

/**
 * The user's own tokens, newest first, revoked and expired ones included (their history is useful:
 * when was it last used, when was it revoked; the newest MAX_INACTIVE_LISTED of them). Scopes are resolved to the names the user sees now:
 * a connection that was deleted or a server that is no longer shared with them is marked as such.
 */
export async function listMyTokens(options: { db: Db; userId: string; now?: Date }): Promise<TokenRow[]> {
  const now = options.now ?? new Date();
  const isActive = { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
  const newestFirst = [{ createdAt: "desc" as const }, { id: "desc" as const }];
  const [active, inactive, targets] = await Promise.all([
    options.db.apiToken.findMany({
      where: { userId: options.userId, ...isActive },
      orderBy: newestFirst,
      select: TOKEN_ROW_SELECT,
    }),
    options.db.apiToken.findMany({
      where: { userId: options.userId, NOT: isActive },
      orderBy: newestFirst,
      take: MAX_INACTIVE_LISTED,
      select: TOKEN_ROW_SELECT,
    }),
    loadScopeTargets({ db: options.db, userId: options.userId }),
  ]);
  const rows = [...active, ...inactive].sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );

  // A server the user no longer sees keeps its name to itself; whether it still exists is all
  // the list says (the user named it in their own token, so that much is theirs to know).
  const hiddenServerIds = new Set<string>();
  for (const row of rows) {
    for (const entry of parseTokenScopes(row.scopes)) {
      if (entry.serverId !== undefined && !targets.servers.has(entry.serverId))
        hiddenServerIds.add(entry.serverId);
    }
  }
  const existing =
    hiddenServerIds.size === 0
      ? new Set<string>()
      : new Set(
          (
            await options.db.server.findMany({
              where: { id: { in: [...hiddenServerIds] } },
              select: { id: true },
            })
          ).map((server) => server.id),
        );

  const resolver: ScopeResolver = {
    connection(id) {
      const connection = targets.connections.get(id);
      if (!connection) return { name: null, serverName: null, serverSlug: null, state: "gone" };
      return {
        name: connection.name,
        serverName: connection.serverName,
        serverSlug: null,
        state: connection.isAvailable ? "ok" : "unavailable",
      };
    },
    server(id) {
      const server = targets.servers.get(id);
      if (server) return { name: server.name, serverName: server.name, serverSlug: server.slug, state: "ok" };
      return {
        name: null,
        serverName: null,
        serverSlug: null,
        state: existing.has(id) ? "unavailable" : "gone",
      };
    },
  };
  return rows.map((row) => toTokenRow(row, resolver, now));
}
