import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import { checkAllowedTools } from "./allowed-tools";
import { findGrantableServer } from "./grantable-server";
import { changeRegistry, lockManagedRegistry, type RegistryActor, type RegistryDetail } from "./registry-row";

/**
 * Adds an approved shared server to the registry, optionally narrowed to an allow-list of tools
 * (empty or absent = every tool). Its subjects can reach it from their next request.
 */
export async function grantRegistryServer(options: {
  db: Db;
  actor: RegistryActor;
  registryId: string;
  serverId: string;
  allowedTools?: readonly string[];
  context: AuditContext;
}): Promise<RegistryDetail> {
  return changeRegistry(options.db, options.actor, async (tx) => {
    const registry = await lockManagedRegistry(tx, options.actor, options.registryId);
    const server = await findGrantableServer(tx, options.actor, options.serverId);
    const allowedTools = checkAllowedTools(server, options.allowedTools ?? []);
    const existing = await tx.registryServer.findUnique({
      where: { registryId_serverId: { registryId: registry.id, serverId: server.id } },
      select: { serverId: true },
    });
    if (existing) {
      throw new AppError(
        "CONFLICT",
        `${server.name} is already in ${registry.name}. Change its tools there instead.`,
        { details: { field: "serverId" } },
      );
    }
    await tx.registryServer.create({ data: { registryId: registry.id, serverId: server.id, allowedTools } });
    await recordAudit(tx, options.context, {
      action: "registry.server.add",
      targetType: "registry",
      targetId: registry.id,
      metadata: {
        registry: registry.slug,
        serverId: server.id,
        server: server.slug,
        before: null,
        after: { allowedTools },
      },
    });
    return registry.id;
  });
}
