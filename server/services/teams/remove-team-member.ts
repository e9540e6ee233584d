import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { RefusedChange, runAuditedChange } from "../users/audited-change";
import { userNotFound } from "../users/user-row";
import { findTeamDetail, idpManagedMessage, type TeamDetail, teamNotFound } from "./team-row";

/** Removes a user from a local team. Removing someone who is not in it changes nothing. */
export async function removeTeamMember(options: {
  db: Db;
  teamId: string;
  userId: string;
  context: AuditContext;
}): Promise<TeamDetail> {
  return runAuditedChange({
    db: options.db,
    context: options.context,
    change: async (tx) => {
      const team = await tx.team.findUnique({ where: { id: options.teamId } });
      if (!team) throw teamNotFound();
      const user = await tx.user.findUnique({
        where: { id: options.userId },
        select: { id: true, email: true },
      });
      if (!user) throw userNotFound();
      const audit = {
        action: "team.member.remove",
        targetType: "team",
        targetId: team.id,
        metadata: { userId: user.id, email: user.email, team: team.name, source: "manual" },
      };
      if (team.source === "IDP")
        throw new RefusedChange("FORBIDDEN", idpManagedMessage(team.externalId), audit);

      const { count } = await tx.teamMember.deleteMany({ where: { teamId: team.id, userId: user.id } });
      if (count > 0) await recordAudit(tx, options.context, audit);
      return findTeamDetail(tx, team.id);
    },
  });
}
