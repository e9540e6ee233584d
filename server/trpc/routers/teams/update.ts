import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { updateTeam } from "../../../services/teams/update-team";
import { permissionProcedure } from "../../init";
import { TEAM_DESCRIPTION, TEAM_NAME } from "./fields";

export const update = permissionProcedure("team.manage")
  .input(
    z
      .object({
        teamId: z.uuid(),
        name: TEAM_NAME.optional(),
        description: TEAM_DESCRIPTION.nullable().optional(),
      })
      .strict(),
  )
  .mutation(({ ctx, input }) =>
    updateTeam({
      db: ctx.db(),
      teamId: input.teamId,
      name: input.name,
      description: input.description,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
