import { z } from "zod";
import { getMyConnection } from "../../../services/connections/get-my-connection";
import { permissionProcedure } from "../../init";
import { CONNECTION_ID } from "./fields";

export const get = permissionProcedure("connection.manage_own")
  .input(z.object({ connectionId: CONNECTION_ID }).strict())
  .query(({ ctx, input }) =>
    getMyConnection({ db: ctx.db(), userId: ctx.session.user.id, connectionId: input.connectionId }),
  );
