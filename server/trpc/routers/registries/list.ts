import { z } from "zod";
import { listRegistries } from "../../../services/registries/list-registries";
import { permissionProcedure } from "../../init";

export const list = permissionProcedure("registry.manage_own")
  .input(
    z
      .object({ search: z.string().trim().max(200).optional() })
      .strict()
      .optional(),
  )
  .query(({ ctx, input }) =>
    listRegistries({ db: ctx.db(), actor: ctx.session.user, search: input?.search }),
  );
