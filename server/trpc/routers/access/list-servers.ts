import { z } from "zod";
import { listExplorableServers } from "../../../services/access/list-explorable-servers";
import { permissionProcedure } from "../../init";

export const listServers = permissionProcedure("access.explore")
  .input(
    z
      .object({ search: z.string().trim().max(200).optional() })
      .strict()
      .optional(),
  )
  .query(({ ctx, input }) => listExplorableServers({ db: ctx.db(), search: input?.search }));
