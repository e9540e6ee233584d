import { z } from "zod";
import { whoCanReach as answer } from "../../../services/access/who-can-reach";
import { permissionProcedure } from "../../init";

export const whoCanReach = permissionProcedure("access.explore")
  .input(z.object({ serverId: z.uuid() }).strict())
  .query(({ ctx, input }) => answer({ db: ctx.db(), serverId: input.serverId }));
