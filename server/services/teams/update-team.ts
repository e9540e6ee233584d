import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { runAuditedChange } from "../users/audited-change";
import { TEAM_ROW_SELECT, type TeamRow, teamNotFound, toTeamRow } from "./team-row";

/** Renames or re-describes a team. The slug stays, so links and references keep working. */
export async function updateTeam(options: {
  db: Db;
  teamId: string;
  name?: string;
  /** "" or null clears it */
  description?: string | null;
  context: AuditContext;
}): Promise<TeamRow> {
  return runAuditedChange({
    db: options.db,
    context: options.context,
    change: async (tx) => {
      const before = await tx.team.findUnique({ where: { id: options.teamId }, select: TEAM_ROW_SELECT });
      if (!before) throw teamNotFound();
      const name = options.name?.trim() ?? before.name;
      const description =
        options.description === undefined ? before.description : options.description?.trim() || null;
      if (name === before.name && description === before.description) return toTeamRow(before);

      const after = await tx.team.update({
        where: { id: before.id },
        data: { name, description },
        select: TEAM_ROW_SELECT,
      });
      await recordAudit(tx, options.context, {
        action: "team.update",
        targetType: "team",
        targetId: before.id,
        metadata: {
          slug: before.slug,
          before: { name: before.name, description: before.description },
          after: { name: after.name, description: after.description },
        },
      });
      return toTeamRow(after);
    },
  });
}
