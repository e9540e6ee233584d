import type { AuditContext } from "../../audit/record";
import type { Db } from "../../db";
import { changeManualMembership } from "./manual-membership";
import type { TeamDetail } from "./team-row";

/** Adds a user to a local team by hand. Adding someone already in it changes nothing. */
export function addTeamMember(options: {
  db: Db;
  teamId: string;
  userId: string;
  context: AuditContext;
}): Promise<TeamDetail> {
  return changeManualMembership(options, "team.member.add", (tx, teamId, userId) =>
    tx.teamMember.createMany({ data: [{ teamId, userId, source: "MANUAL" }], skipDuplicates: true }),
  );
}
