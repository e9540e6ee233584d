import type { Db } from "../../db";
import { listVisibleServers } from "../catalog/visible-servers";
import { CONNECTION_ROW_SELECT, type ConnectionRow, toConnectionRow } from "./connection-row";

/** The user's own connections, newest first, each marked with whether its server is still theirs to use. */
export async function listMyConnections(options: { db: Db; userId: string }): Promise<ConnectionRow[]> {
  const [rows, visible] = await Promise.all([
    options.db.connection.findMany({
      where: { userId: options.userId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: CONNECTION_ROW_SELECT,
    }),
    listVisibleServers({ db: options.db, userId: options.userId }),
  ]);
  const visibleIds = new Set(visible.map((server) => server.serverId));
  return rows.map((row) => toConnectionRow(row, visibleIds));
}
