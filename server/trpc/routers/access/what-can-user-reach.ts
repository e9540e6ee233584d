import { z } from "zod";
import { whatCanUserReach as answer } from "../../../services/access/what-can-user-reach";
import { permissionProcedure } from "../../init";

export const whatCanUserReach = permissionProcedure("access.explore")
  .input(z.object({ userId: z.uuid() }).strict())
  .query(({ ctx, input }) => answer({ db: ctx.db(), userId: input.userId }));
