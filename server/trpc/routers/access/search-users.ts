import { z } from "zod";
import { searchExplorableUsers } from "../../../services/access/search-users";
import { permissionProcedure } from "../../init";

export const searchUsers = permissionProcedure("access.explore")
  .input(
    z
      .object({ search: z.string().trim().max(200).optional() })
      .strict()
      .optional(),
  )
  .query(({ ctx, input }) => searchExplorableUsers({ db: ctx.db(), search: input?.search }));
