import type { Db } from "../../db";
import { AppError } from "../../errors";
import { enqueueServerCheck } from "../../queue/queues";
import { mayRunPackage, PACKAGE_AWAITS_APPROVAL } from "./publish-version";
import { assertNotRetired, canManage, canonicalId, serverNotFound } from "./server-access";
import type { ServerActor } from "./server-actor";

/**
 * "Refresh tools" (owner or server.manage_all): queues discovery of `versionId`, or of the approved
 * version, or else the newest one. Unlike the automatic requests this one reports a Redis outage
 * (UNAVAILABLE), since the person asked for it.
 */
export async function refreshDiscovery(options: {
  db: Db;
  actor: ServerActor;
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
  await enqueueServerCheck(server.id, version.id);
  return { versionId: version.id };
}
