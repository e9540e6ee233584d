import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { runAuditedChange } from "../users/audited-change";
import { teamNotFound } from "./team-row";

/**
 * Deletes a team, its memberships and the registry grants made to it (members lose whatever they
 * could reach only through this team). The audit event keeps what was lost.
 */
export async function deleteTeam(options: {
  db: Db;
  teamId: string;
  context: AuditContext;
}): Promise<{ deleted: true }> {
  return runAuditedChange({
    db: options.db,
    context: options.context,
    change: async (tx) => {
      const team = await tx.team.findUnique({
        where: { id: options.teamId },
        include: { _count: { select: { members: true, registrySubjects: true } } },
      });
      if (!team) throw teamNotFound();
      await tx.team.delete({ where: { id: team.id } });
      await recordAudit(tx, options.context, {
        action: "team.delete",
        targetType: "team",
        targetId: team.id,
        metadata: {
          before: {
            name: team.name,
            slug: team.slug,
            description: team.description,
            source: team.source,
            externalId: team.externalId,
            memberCount: team._count.members,
            registryGrants: team._count.registrySubjects,
          },
        },
      });
      return { deleted: true as const };
    },
  });
}
