import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import { checkAllowedTools } from "./allowed-tools";
import {
  changeRegistry,
  lockManagedRegistry,
  mayGrantServer,
  type RegistryActor,
  type RegistryDetail,
  registryServerMissing,
} from "./registry-row";

/**
 * Replaces a granted server's tool allow-list (empty = every tool). A registry owner who could not
 * grant the server today (an Admin added it to their registry) may only narrow the list: widening
 * would be granting what they may not share.
 */
export async function updateAllowedTools(options: {
  db: Db;
  actor: RegistryActor;
  registryId: string;
  serverId: string;
  allowedTools: readonly string[];
  context: AuditContext;
}): Promise<RegistryDetail> {
  return changeRegistry(options.db, options.actor, async (tx) => {
    const registry = await lockManagedRegistry(tx, options.actor, options.registryId);
    const entry = await tx.registryServer.findUnique({
      where: { registryId_serverId: { registryId: registry.id, serverId: options.serverId } },
      select: {
        allowedTools: true,
        server: {
          select: {
            id: true,
            slug: true,
            name: true,
            ownerId: true,
            approvedVersion: { select: { capabilities: true } },
          },
        },
      },
    });
    if (!entry) throw registryServerMissing();
    const allowedTools = checkAllowedTools(entry.server, options.allowedTools);
    const before = [...entry.allowedTools].sort();
    if (!mayGrantServer(options.actor, entry.server)) {
      const isNarrowing =
        allowedTools.length > 0 &&
        (before.length === 0 || allowedTools.every((tool) => before.includes(tool)));
      if (!isNarrowing) {
        throw new AppError(
          "FORBIDDEN",
          `You can only narrow the tools of ${entry.server.name}: it was added by an administrator, and only they can widen its access.`,
          { details: { field: "allowedTools" } },
        );
      }
    }
    if (before.join("\n") !== [...allowedTools].sort().join("\n")) {
      await tx.registryServer.update({
        where: { registryId_serverId: { registryId: registry.id, serverId: entry.server.id } },
        data: { allowedTools },
      });
      await recordAudit(tx, options.context, {
        action: "registry.server.update_tools",
        targetType: "registry",
        targetId: registry.id,
        metadata: {
          registry: registry.slug,
          serverId: entry.server.id,
          server: entry.server.slug,
          before: { allowedTools: entry.allowedTools },
          after: { allowedTools },
        },
      });
    }
    return registry.id;
  });
}
