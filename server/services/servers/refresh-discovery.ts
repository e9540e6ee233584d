import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import { enqueueServerCheck } from "../../queue/queues";
import { mayRunPackage, PACKAGE_AWAITS_APPROVAL } from "./publish-version";
import { assertNotRetired, canManage, canonicalId, serverNotFound } from "./server-access";
import { type ServerActor, viaOf } from "./server-actor";

/**
 * "Refresh tools" (owner or server.manage_all): queues discovery of `versionId`, or of the approved
 * version, or else the newest one. Unlike the automatic requests this one reports a Redis outage
 * (UNAVAILABLE), since the person asked for it. The request is audited (`server.discovery.request`):
 * discovery may start the version's process, and that process needs a recorded cause.
 */
export async function refreshDiscovery(options: {
  db: Db;
  actor: ServerActor;
  context: AuditContext;
  serverId: string;
  versionId?: string;
}): Promise<{ versionId: string }> {
  const id = canonicalId(options.serverId);
  const server = id
    ? await options.db.server.findUnique({
        where: { id },
        include: { versions: { orderBy: [{ createdAt: "desc" }, { id: "desc" }] } },
      })
    : null;
  if (!server || !canManage(options.actor, server)) throw serverNotFound();
  assertNotRetired(server);
  const wanted = options.versionId === undefined ? undefined : canonicalId(options.versionId);
  const version =
    options.versionId !== undefined
      ? server.versions.find((v) => v.id === wanted)
      : (server.versions.find((v) => v.id === server.approvedVersionId) ?? server.versions[0]);
  if (!version) throw new AppError("NOT_FOUND", "This version does not exist on this server.");
  if (!mayRunPackage(version)) throw new AppError("CONFLICT", PACKAGE_AWAITS_APPROVAL);
  // The row commits only once the job is queued: no row for a request Redis refused, and no job
  // without its row (short of the commit itself failing after the enqueue).
  await options.db.$transaction(async (tx) => {
    await recordAudit(tx, options.context, {
      action: "server.discovery.request",
      targetType: "server",
      targetId: server.id,
      serverId: server.id,
      metadata: { ...viaOf(options.actor), versionId: version.id, version: version.version },
    });
    await enqueueServerCheck(server.id, version.id);
  });
  return { versionId: version.id };
}
