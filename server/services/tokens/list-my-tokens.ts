import type { Db } from "../../db";
import { parseTokenScopes } from "./authenticate-api-token";
import { type ScopeResolver, TOKEN_ROW_SELECT, type TokenRow, toTokenRow } from "./token-row";
import { loadScopeTargets } from "./token-scope-targets";

/** A user keeps few tokens; the list stops here rather than growing a page without end. */
const MAX_TOKENS_LISTED = 500;

/**
 * The user's own tokens, newest first, revoked and expired ones included (their history is useful:
 * when was it last used, when was it revoked). Scopes are resolved to the names the user sees now:
 * a connection that was deleted or a server that is no longer shared with them is marked as such.
 */
export async function listMyTokens(options: { db: Db; userId: string; now?: Date }): Promise<TokenRow[]> {
  const now = options.now ?? new Date();
  const [rows, targets] = await Promise.all([
    options.db.apiToken.findMany({
      where: { userId: options.userId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: MAX_TOKENS_LISTED,
      select: TOKEN_ROW_SELECT,
    }),
    loadScopeTargets({ db: options.db, userId: options.userId }),
  ]);

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
