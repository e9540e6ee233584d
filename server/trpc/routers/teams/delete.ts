import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { deleteTeam } from "../../../services/teams/delete-team";
import { permissionProcedure } from "../../init";

// `delete` is a reserved word, so the export is renamed where the router is assembled.
export const deleteProcedure = permissionProcedure("team.manage")
  .input(z.object({ teamId: z.uuid() }).strict())
  .mutation(({ ctx, input }) =>
    deleteTeam({
      db: ctx.db(),
      teamId: input.teamId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
