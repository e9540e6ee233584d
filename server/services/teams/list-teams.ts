import type { Db } from "../../db";
import { byName, TEAM_ROW_SELECT, type TeamRow, toTeamRow } from "./team-row";

export async function listTeams(options: { db: Db; search?: string }): Promise<TeamRow[]> {
  const search = options.search?.trim();
  const teams = await options.db.team.findMany({
    where: search
      ? {
          OR: [
            { name: { contains: search, mode: "insensitive" } },
            { slug: { contains: search, mode: "insensitive" } },
            { externalId: { contains: search, mode: "insensitive" } },
          ],
        }
      : undefined,
    select: TEAM_ROW_SELECT,
    orderBy: { id: "asc" },
  });
  return teams.map(toTeamRow).sort((a, b) => byName(a.name, b.name));
}
