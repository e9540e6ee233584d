import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { updateRegistry } from "../../../services/registries/update-registry";
import { permissionProcedure } from "../../init";
import { REGISTRY_DESCRIPTION, REGISTRY_NAME } from "./fields";

export const update = permissionProcedure("registry.manage_own")
  .input(
    z
      .object({
        registryId: z.uuid(),
        name: REGISTRY_NAME.optional(),
        description: REGISTRY_DESCRIPTION.nullable().optional(),
      })
      .strict(),
  )
  .mutation(({ ctx, input }) =>
    updateRegistry({
      db: ctx.db(),
      actor: ctx.session.user,
      registryId: input.registryId,
      name: input.name,
      description: input.description,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
