import { z } from "zod";
import { getTeam } from "../../../services/teams/get-team";
import { permissionProcedure } from "../../init";

export const get = permissionProcedure("team.read")
  .input(z.object({ teamId: z.uuid() }).strict())
  .query(({ ctx, input }) => getTeam({ db: ctx.db(), teamId: input.teamId }));
