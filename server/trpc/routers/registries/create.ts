import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { createRegistry } from "../../../services/registries/create-registry";
import { permissionProcedure } from "../../init";
import { REGISTRY_DESCRIPTION, REGISTRY_NAME, REGISTRY_SLUG } from "./fields";

export const create = permissionProcedure("registry.manage_own")
  .input(
    z
      .object({ name: REGISTRY_NAME, slug: REGISTRY_SLUG, description: REGISTRY_DESCRIPTION.optional() })
      .strict(),
  )
  .mutation(({ ctx, input }) =>
    createRegistry({
      db: ctx.db(),
      actor: ctx.session.user,
      name: input.name,
      slug: input.slug,
      description: input.description,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
