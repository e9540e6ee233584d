import type { Db } from "../../db";
import { findTeamDetail, type TeamDetail } from "./team-row";

export function getTeam(options: { db: Db; teamId: string }): Promise<TeamDetail> {
  return findTeamDetail(options.db, options.teamId);
}
