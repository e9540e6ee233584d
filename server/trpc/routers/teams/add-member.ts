import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { addTeamMember } from "../../../services/teams/add-team-member";
import { permissionProcedure } from "../../init";

export const addMember = permissionProcedure("team.manage")
  .input(z.object({ teamId: z.uuid(), userId: z.uuid() }).strict())
  .mutation(({ ctx, input }) =>
    addTeamMember({
      db: ctx.db(),
      teamId: input.teamId,
      userId: input.userId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
