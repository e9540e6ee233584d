import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import {
  changeRegistry,
  lockManagedRegistry,
  type RegistryActor,
  type RegistryDetail,
  registryServerMissing,
} from "./registry-row";

/** Removes a server from the registry; its subjects lose it (unless granted elsewhere) on their next request. */
export async function revokeRegistryServer(options: {
  db: Db;
  actor: RegistryActor;
  registryId: string;
  serverId: string;
  context: AuditContext;
}): Promise<RegistryDetail> {
  return changeRegistry(options.db, options.actor, async (tx) => {
    const registry = await lockManagedRegistry(tx, options.actor, options.registryId);
    const entry = await tx.registryServer.findUnique({
      where: { registryId_serverId: { registryId: registry.id, serverId: options.serverId } },
      select: { allowedTools: true, server: { select: { id: true, slug: true } } },
    });
    if (!entry) throw registryServerMissing();
    await tx.registryServer.delete({
      where: { registryId_serverId: { registryId: registry.id, serverId: entry.server.id } },
    });
    await recordAudit(tx, options.context, {
      action: "registry.server.remove",
      targetType: "registry",
      targetId: registry.id,
      metadata: {
        registry: registry.slug,
        serverId: entry.server.id,
        server: entry.server.slug,
        before: { allowedTools: entry.allowedTools },
        after: null,
      },
    });
    return registry.id;
  });
}
