import { z } from "zod";
import type { Db, Prisma } from "../../db";
import { assertCan } from "../../policy/permissions";
import { nameOrEmailContains } from "../users/user-search";
import { parseTokenScopes } from "./authenticate-api-token";
import type { TokenActor } from "./revoke-api-token";
import { type ScopeResolver, TOKEN_ROW_SELECT, type TokenRow, toTokenRow } from "./token-row";

/**
 * Every active token of every user, for whoever may revoke any of them (Admins): the owner, the
 * token's scope by name, its use. Newest first, a page at a time, optionally narrowed to one user
 * or to owners whose name or email contains `search`.
 */
export type AdminTokenRow = TokenRow & {
  owner: { id: string; email: string; name: string | null; status: "ACTIVE" | "DEACTIVATED" };
};

export const ADMIN_TOKENS_PAGE_SIZE = 50;
const UUID = z.uuid();

export async function listAllTokens(options: {
  db: Db;
  actor: TokenActor;
  search?: string;
  userId?: string;
  cursor?: string;
  limit?: number;
  now?: Date;
}): Promise<{ items: AdminTokenRow[]; nextCursor: string | null }> {
  assertCan(options.actor, "token.revoke_any");
  const now = options.now ?? new Date();
  const limit = Math.min(Math.max(options.limit ?? ADMIN_TOKENS_PAGE_SIZE, 1), 200);
  const search = options.search?.trim().slice(0, 200) ?? "";
  const userId = options.userId?.trim().toLowerCase();
  if (userId !== undefined && !UUID.safeParse(userId).success) return { items: [], nextCursor: null };
  const after = parseCursor(options.cursor);

  const where: Prisma.ApiTokenWhereInput = {
    revokedAt: null,
    ...(after
      ? {
          AND: [
            {
              OR: [
                { createdAt: { lt: after.createdAt } },
                { createdAt: after.createdAt, id: { lt: after.id } },
              ],
            },
          ],
        }
      : {}),
    OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
    ...(userId ? { userId } : {}),
    ...(search ? { user: nameOrEmailContains(search) } : {}),
  };
  const rows = await options.db.apiToken.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: { ...TOKEN_ROW_SELECT, user: { select: { id: true, email: true, name: true, status: true } } },
  });
  const page = rows.slice(0, limit);

  // Names of what the scopes point at. An Admin manages the whole catalog, so server names are
  // theirs to see; a connection is shown only when it belongs to the token's owner.
  const connectionIds = new Set<string>();
  const serverIds = new Set<string>();
  for (const row of page) {
    for (const entry of parseTokenScopes(row.scopes)) {
      if (entry.connectionId) connectionIds.add(entry.connectionId);
      if (entry.serverId) serverIds.add(entry.serverId);
    }
  }
  const [connections, servers] = await Promise.all([
    connectionIds.size === 0
      ? []
      : options.db.connection.findMany({
          where: { id: { in: [...connectionIds] } },
          select: { id: true, name: true, userId: true, server: { select: { name: true } } },
        }),
    serverIds.size === 0
      ? []
      : options.db.server.findMany({
          where: { id: { in: [...serverIds] } },
          select: { id: true, name: true, slug: true },
        }),
  ]);
  const connectionById = new Map(connections.map((connection) => [connection.id, connection]));
  const serverById = new Map(servers.map((server) => [server.id, server]));

  const items = page.map((row): AdminTokenRow => {
    const resolver: ScopeResolver = {
      connection(id) {
        const connection = connectionById.get(id);
        if (!connection || connection.userId !== row.user.id)
          return { name: null, serverName: null, serverSlug: null, state: "gone" };
        return { name: connection.name, serverName: connection.server.name, serverSlug: null, state: "ok" };
      },
      server(id) {
        const server = serverById.get(id);
        if (!server) return { name: null, serverName: null, serverSlug: null, state: "gone" };
        return { name: server.name, serverName: server.name, serverSlug: server.slug, state: "ok" };
      },
    };
    return { ...toTokenRow(row, resolver, now), owner: row.user };
  });
  const last = page.at(-1);
  return { items, nextCursor: rows.length > limit && last ? cursorAfter(last) : null };
}

/**
 * A page ends at a (createdAt, id) position, and the next page starts strictly after it. A
 * position, unlike "the row after this id", still holds when that row was revoked or expired in
 * between (it leaves the filtered list, and an offset from it would skip a token).
 */
function cursorAfter(row: { createdAt: Date; id: string }): string {
  return `${row.createdAt.getTime()}.${row.id}`;
}

function parseCursor(cursor: string | undefined): { createdAt: Date; id: string } | undefined {
  const match = cursor?.match(/^(\d{1,15})\.(.+)$/);
  if (!match?.[1] || !match[2] || !UUID.safeParse(match[2]).success) return undefined;
  return { createdAt: new Date(Number(match[1])), id: match[2] };
}
