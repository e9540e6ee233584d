import { z } from "zod";
import { listTeams } from "../../../services/teams/list-teams";
import { permissionProcedure } from "../../init";

export const list = permissionProcedure("team.read")
  .input(
    z
      .object({ search: z.string().trim().max(200).optional() })
      .strict()
      .optional(),
  )
  .query(({ ctx, input }) => listTeams({ db: ctx.db(), search: input?.search }));
