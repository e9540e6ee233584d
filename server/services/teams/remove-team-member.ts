import type { AuditContext } from "../../audit/record";
import type { Db } from "../../db";
import { changeManualMembership } from "./manual-membership";
import type { TeamDetail } from "./team-row";

/** Removes a user from a local team. Removing someone who is not in it changes nothing. */
export function removeTeamMember(options: {
  db: Db;
  teamId: string;
  userId: string;
  context: AuditContext;
}): Promise<TeamDetail> {
  return changeManualMembership(options, "team.member.remove", (tx, teamId, userId) =>
    tx.teamMember.deleteMany({ where: { teamId, userId } }),
  );
}
