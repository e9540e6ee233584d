import type { Prisma } from "../../db";
import type { ConnectionStatus } from "./connection-config";
import { connectionUrl } from "./connection-url";

/** One connection as its owner sees it in the list and at the top of its page. */
export type ConnectionRow = {
  id: string;
  name: string;
  /** the per-user connection URL agents use; it works only with a credential of this user */
  url: string;
  status: ConnectionStatus;
  /**
   * false when the server is no longer visible to the user (a registry grant was removed, the
   * server was retired): the proxy refuses the connection, whatever its status.
   */
  isAvailable: boolean;
  server: { id: string; slug: string; name: string; iconUrl: string | null };
  version: { id: string; version: string };
  /** the server's approved version when it differs from this connection's, else null */
  newerVersion: { id: string; version: string } | null;
  createdAt: Date;
  lastUsedAt: Date | null;
};

export const CONNECTION_ROW_SELECT = {
  id: true,
  publicId: true,
  name: true,
  status: true,
  createdAt: true,
  lastUsedAt: true,
  serverVersion: { select: { id: true, version: true } },
  server: {
    select: {
      id: true,
      slug: true,
      name: true,
      iconUrl: true,
      approvedVersion: { select: { id: true, version: true } },
    },
  },
} satisfies Prisma.ConnectionSelect;

type SelectedConnection = Prisma.ConnectionGetPayload<{ select: typeof CONNECTION_ROW_SELECT }>;

export function toConnectionRow(
  row: SelectedConnection,
  visibleServerIds: ReadonlySet<string>,
): ConnectionRow {
  const approved = row.server.approvedVersion;
  return {
    id: row.id,
    name: row.name,
    url: connectionUrl(row.publicId),
    status: row.status,
    isAvailable: visibleServerIds.has(row.server.id),
    server: { id: row.server.id, slug: row.server.slug, name: row.server.name, iconUrl: row.server.iconUrl },
    version: { id: row.serverVersion.id, version: row.serverVersion.version },
    newerVersion:
      approved && approved.id !== row.serverVersion.id
        ? { id: approved.id, version: approved.version }
        : null,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
  };
}
