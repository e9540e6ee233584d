import type { Prisma } from "../../db";
import { API_TOKEN_PREFIX } from "./api-token-format";
import { parseTokenScopes } from "./authenticate-api-token";

/**
 * A token as its owner (or an Admin) sees it in a list: never the secret or its hash, only the
 * public key id, shown as `gh_<keyId>_…` so people can match it against the token they hold.
 */
export type TokenStatus = "active" | "expired" | "revoked";

export type TokenScopeView = {
  kind: "connection" | "server";
  /** the connection or server id stored in the scope */
  id: string;
  /** the connection's or server's name; null when it is gone or no longer visible to the owner */
  name: string | null;
  /** for a connection: the name of its server (null when unknown) */
  serverName: string | null;
  /** a server's slug, for a link to its catalog page (null for connections and unavailable servers) */
  serverSlug: string | null;
  /** null: every tool the owner may call */
  tools: string[] | null;
  /**
   * "ok"; "gone" when the connection or server no longer exists (or is not the owner's);
   * "unavailable" when it exists but its server is no longer shared with the owner
   */
  state: "ok" | "gone" | "unavailable";
};

export type TokenRow = {
  id: string;
  name: string;
  keyId: string;
  /** `gh_<keyId>_…`: the recognisable start of the token */
  displayPrefix: string;
  status: TokenStatus;
  scopes: TokenScopeView[];
  ipAllowList: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  usageCount: number;
  createdAt: Date;
};

/** Never selects `secretHash`: a list has no reason to hold it. */
export const TOKEN_ROW_SELECT = {
  id: true,
  name: true,
  keyId: true,
  scopes: true,
  ipAllowList: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
  usageCount: true,
  createdAt: true,
} satisfies Prisma.ApiTokenSelect;

export type SelectedToken = Prisma.ApiTokenGetPayload<{ select: typeof TOKEN_ROW_SELECT }>;

export function tokenStatus(row: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): TokenStatus {
  if (row.revokedAt !== null) return "revoked";
  if (row.expiresAt !== null && row.expiresAt <= now) return "expired";
  return "active";
}

export function displayPrefix(keyId: string): string {
  return `${API_TOKEN_PREFIX}${keyId}_…`;
}

/** How one stored scope entry is shown; `resolve` knows the names the viewer may see. */
export type ScopeResolver = {
  connection(id: string): Omit<TokenScopeView, "kind" | "id" | "tools">;
  server(id: string): Omit<TokenScopeView, "kind" | "id" | "tools">;
};

export function toTokenRow(row: SelectedToken, resolver: ScopeResolver, now: Date): TokenRow {
  const scopes = parseTokenScopes(row.scopes).map((entry): TokenScopeView => {
    const tools = entry.tools ?? null;
    if (entry.connectionId !== undefined) {
      return {
        kind: "connection",
        id: entry.connectionId,
        tools,
        ...resolver.connection(entry.connectionId),
      };
    }
    const serverId = entry.serverId ?? "";
    return { kind: "server", id: serverId, tools, ...resolver.server(serverId) };
  });
  return {
    id: row.id,
    name: row.name,
    keyId: row.keyId,
    displayPrefix: displayPrefix(row.keyId),
    status: tokenStatus(row, now),
    scopes,
    ipAllowList: row.ipAllowList,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    usageCount: row.usageCount,
    createdAt: row.createdAt,
  };
}
