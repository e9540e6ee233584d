import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { deleteRegistry } from "../../../services/registries/delete-registry";
import { permissionProcedure } from "../../init";

// `delete` is a reserved word, so the export is renamed where the router is assembled.
export const deleteProcedure = permissionProcedure("registry.manage_own")
  .input(z.object({ registryId: z.uuid() }).strict())
  .mutation(({ ctx, input }) =>
    deleteRegistry({
      db: ctx.db(),
      actor: ctx.session.user,
      registryId: input.registryId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
