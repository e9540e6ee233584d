import { z } from "zod";
import { whoCanReach as answer } from "../../../services/access/who-can-reach";
import { permissionProcedure } from "../../init";

/** access.whoCanReach: the people who reach a server and why; `search` narrows the list (name or email). */
export const whoCanReach = permissionProcedure("access.explore")
  .input(z.object({ serverId: z.uuid(), search: z.string().max(200).optional() }).strict())
  .query(({ ctx, input }) => answer({ db: ctx.db(), serverId: input.serverId, search: input.search }));
