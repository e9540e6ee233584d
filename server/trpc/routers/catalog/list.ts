import { z } from "zod";
import { listCatalog } from "../../../services/catalog/list-catalog";
import { permissionProcedure } from "../../init";

export const list = permissionProcedure("catalog.read")
  .input(
    z
      .object({
        search: z.string().trim().max(200).optional(),
        tags: z.array(z.string().trim().min(1).max(100)).max(20).optional(),
      })
      .strict()
      .optional(),
  )
  .query(({ ctx, input }) =>
    listCatalog({ db: ctx.db(), userId: ctx.session.user.id, search: input?.search, tags: input?.tags }),
  );
