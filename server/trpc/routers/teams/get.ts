import { z } from "zod";
import { getTeam } from "../../../services/teams/get-team";
import { permissionProcedure } from "../../init";

/** teams.get: a team and its members (at most TEAM_MEMBERS_SHOWN; `search` finds others by name or email). */
export const get = permissionProcedure("team.read")
  .input(z.object({ teamId: z.uuid(), search: z.string().max(200).optional() }).strict())
  .query(({ ctx, input }) => getTeam({ db: ctx.db(), teamId: input.teamId, search: input.search }));
