import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { createTeam } from "../../../services/teams/create-team";
import { permissionProcedure } from "../../init";
import { IDP_GROUP, TEAM_DESCRIPTION, TEAM_NAME } from "./fields";

export const create = permissionProcedure("team.manage")
  .input(
    z
      .object({ name: TEAM_NAME, description: TEAM_DESCRIPTION.optional(), idpGroup: IDP_GROUP.optional() })
      .strict(),
  )
  .mutation(({ ctx, input }) =>
    createTeam({
      db: ctx.db(),
      name: input.name,
      description: input.description,
      idpGroup: input.idpGroup,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
