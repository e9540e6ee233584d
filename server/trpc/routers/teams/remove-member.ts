import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { removeTeamMember } from "../../../services/teams/remove-team-member";
import { permissionProcedure } from "../../init";

export const removeMember = permissionProcedure("team.manage")
  .input(z.object({ teamId: z.uuid(), userId: z.uuid() }).strict())
  .mutation(({ ctx, input }) =>
    removeTeamMember({
      db: ctx.db(),
      teamId: input.teamId,
      userId: input.userId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
