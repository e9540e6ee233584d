import { z } from "zod";
import { getRegistry } from "../../../services/registries/get-registry";
import { permissionProcedure } from "../../init";

export const get = permissionProcedure("registry.manage_own")
  .input(z.object({ registryId: z.uuid() }).strict())
  .query(({ ctx, input }) =>
    getRegistry({ db: ctx.db(), actor: ctx.session.user, registryId: input.registryId }),
  );
