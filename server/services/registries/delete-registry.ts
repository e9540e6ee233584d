import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { bumpGlobalAccessEpoch } from "../access/access-epochs";
import { lockManagedRegistry, type RegistryActor, subjectLabel } from "./registry-row";

/**
 * Deletes a registry with its subjects and grants: everyone it granted loses what they reached only
 * through it, on their next request. The audit event keeps what was granted to whom.
 */
export async function deleteRegistry(options: {
  db: Db;
  actor: RegistryActor;
  registryId: string;
  context: AuditContext;
}): Promise<{ deleted: true }> {
  const committed = await options.db.$transaction(async (tx) => {
    const registry = await lockManagedRegistry(tx, options.actor, options.registryId);
    // One after the other: a transaction's connection runs one query at a time.
    const subjects = await tx.registrySubject.findMany({
      where: { registryId: registry.id },
      select: {
        kind: true,
        userId: true,
        teamId: true,
        user: { select: { name: true, email: true } },
        team: { select: { name: true } },
      },
    });
    const servers = await tx.registryServer.findMany({
      where: { registryId: registry.id },
      select: { serverId: true, allowedTools: true, server: { select: { slug: true } } },
    });
    await tx.registry.delete({ where: { id: registry.id } });
    await recordAudit(tx, options.context, {
      action: "registry.delete",
      targetType: "registry",
      targetId: registry.id,
      metadata: {
        before: {
          slug: registry.slug,
          name: registry.name,
          description: registry.description,
          ownerId: registry.ownerId,
          subjects: subjects.map((subject) => ({
            kind: subject.kind,
            userId: subject.userId,
            teamId: subject.teamId,
            label: subjectLabel(subject),
          })),
          servers: servers.map((entry) => ({
            serverId: entry.serverId,
            slug: entry.server.slug,
            allowedTools: entry.allowedTools,
          })),
        },
      },
    });
    return { deleted: true as const };
  });
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpGlobalAccessEpoch();
  return committed;
}
