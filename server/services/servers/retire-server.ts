import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { bumpGlobalAccessEpoch } from "../access/access-epochs";
import { getManagedServer } from "./get-managed-server";
import { lockManagedServer } from "./server-access";
import { type ServerActor, viaOf } from "./server-actor";
import type { ManagedServerDetail } from "./server-views";

/**
 * Retires a catalog entry (owner or server.manage_all): it leaves the catalog and stops serving,
 * but stays in the database with its versions and audit history. Versions still waiting for review
 * are retired with it. Retiring twice changes nothing.
 */
export async function retireServer(options: {
  db: Db;
  actor: ServerActor;
  context: AuditContext;
  serverId: string;
}): Promise<ManagedServerDetail> {
  const { db, actor } = options;
  const serverId = await db.$transaction(async (tx) => {
    const server = await lockManagedServer(tx, actor, options.serverId);
    if (server.status === "RETIRED") return server.id;
    await tx.server.update({ where: { id: server.id }, data: { status: "RETIRED" } });
    const { count } = await tx.serverVersion.updateMany({
      where: { serverId: server.id, status: "PENDING_APPROVAL" },
      data: { status: "RETIRED" },
    });
    await recordAudit(tx, options.context, {
      action: "server.retire",
      targetType: "server",
      targetId: server.id,
      serverId: server.id,
      metadata: {
        ...viaOf(actor),
        slug: server.slug,
        before: { status: server.status },
        after: { status: "RETIRED" },
        pendingVersionsRetired: count,
      },
    });
    return server.id;
  });
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpGlobalAccessEpoch();
  return getManagedServer({ db, actor, serverId });
}
