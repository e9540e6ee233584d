import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { moveConnectionToLatest } from "../../../services/connections/move-connection-to-latest";
import { permissionProcedure } from "../../init";
import { CONNECTION_ID } from "./fields";

export const moveToLatest = permissionProcedure("connection.manage_own")
  .input(z.object({ connectionId: CONNECTION_ID }).strict())
  .mutation(({ ctx, input }) =>
    moveConnectionToLatest({
      db: ctx.db(),
      userId: ctx.session.user.id,
      connectionId: input.connectionId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
