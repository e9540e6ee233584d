import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { removeRegistrySubject } from "../../../services/registries/remove-registry-subject";
import { permissionProcedure } from "../../init";

export const removeSubject = permissionProcedure("registry.manage_own")
  .input(z.object({ registryId: z.uuid(), subjectId: z.uuid() }).strict())
  .mutation(({ ctx, input }) =>
    removeRegistrySubject({
      db: ctx.db(),
      actor: ctx.session.user,
      registryId: input.registryId,
      subjectId: input.subjectId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
