import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { bumpUserAccessEpochs } from "../access/access-epochs";
import { connectionNotFound, isConnectionId } from "./connection-config";

/**
 * Disconnects: the row goes, and with it the sealed secrets it holds, so nothing of the user's
 * configuration for this server is left behind. The connection URL stops working at once.
 */
export async function deleteConnection(options: {
  db: Db;
  userId: string;
  connectionId: string;
  context: AuditContext;
}): Promise<{ id: string }> {
  if (!isConnectionId(options.connectionId)) throw connectionNotFound();
  const committed = await options.db.$transaction(async (tx) => {
    const connection = await tx.connection.findFirst({
      where: { id: options.connectionId, userId: options.userId },
      select: {
        id: true,
        name: true,
        serverId: true,
        serverVersionId: true,
        server: { select: { slug: true } },
      },
    });
    if (!connection) throw connectionNotFound();
    // TODO(upstream OAuth issue): delete this connection's upstream tokens in the same transaction.
    await tx.connection.delete({ where: { id: connection.id } });
    await recordAudit(tx, options.context, {
      action: "connection.delete",
      targetType: "connection",
      targetId: connection.id,
      serverId: connection.serverId,
      // No foreign key: the row keeps the id of the connection it deleted.
      connectionId: connection.id,
      metadata: {
        name: connection.name,
        serverId: connection.serverId,
        serverSlug: connection.server.slug,
        serverVersionId: connection.serverVersionId,
      },
    });
    return { id: connection.id };
  });
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpUserAccessEpochs(options.userId);
  return committed;
}
