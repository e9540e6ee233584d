import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db, Tx } from "../../db";
import { RefusedChange, runAuditedChange } from "../users/audited-change";
import { userNotFound } from "../users/user-row";
import { findTeamDetail, idpManagedMessage, type TeamDetail, teamNotFound } from "./team-row";

/**
 * Adds or removes a manual member of a local team. IdP-synced teams are refused (their members
 * follow the group claim); a change that changes nothing (already a member, not a member) writes
 * no audit event.
 */
export function changeManualMembership(
  options: { db: Db; teamId: string; userId: string; context: AuditContext },
  action: "team.member.add" | "team.member.remove",
  write: (tx: Tx, teamId: string, userId: string) => Promise<{ count: number }>,
): Promise<TeamDetail> {
  return runAuditedChange({
    db: options.db,
    context: options.context,
    change: async (tx) => {
      // Locked for the rest of the transaction: a team deleted between this read and the insert
      // would fail the membership's foreign key (a 500) instead of answering "not found".
      const locked = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM "Team" WHERE id = ${options.teamId}::uuid FOR UPDATE`;
      if (locked.length === 0) throw teamNotFound();
      const team = await tx.team.findUnique({ where: { id: options.teamId } });
      if (!team) throw teamNotFound();
      const user = await tx.user.findUnique({
        where: { id: options.userId },
        select: { id: true, email: true },
      });
      if (!user) throw userNotFound();
      const audit = {
        action,
        targetType: "team",
        targetId: team.id,
        metadata: { userId: user.id, email: user.email, team: team.name, source: "manual" },
      };
      if (team.source === "IDP")
        throw new RefusedChange("FORBIDDEN", idpManagedMessage(team.externalId), audit);

      const { count } = await write(tx, team.id, user.id);
      if (count > 0) await recordAudit(tx, options.context, audit);
      return findTeamDetail(tx, team.id);
    },
  });
}
