import type { Db } from "../../db";
import { findTeamDetail, type TeamDetail } from "./team-row";

/** A team with its members, the first TEAM_MEMBERS_SHOWN of them, or of those matching `search`. */
export function getTeam(options: { db: Db; teamId: string; search?: string }): Promise<TeamDetail> {
  return findTeamDetail(options.db, options.teamId, options.search);
}
