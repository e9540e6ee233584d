import { z } from "zod";
import { listGrantableServers as list } from "../../../services/registries/list-grantable-servers";
import { permissionProcedure } from "../../init";

export const listGrantableServers = permissionProcedure("registry.manage_own")
  .input(
    z
      .object({ search: z.string().trim().max(200).optional() })
      .strict()
      .optional(),
  )
  .query(({ ctx, input }) => list({ db: ctx.db(), actor: ctx.session.user, search: input?.search }));
