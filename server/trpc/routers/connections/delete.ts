import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { deleteConnection } from "../../../services/connections/delete-connection";
import { permissionProcedure } from "../../init";
import { CONNECTION_ID } from "./fields";

// `delete` is a reserved word, so the export is renamed where the router is assembled.
export const deleteProcedure = permissionProcedure("connection.manage_own")
  .input(z.object({ connectionId: CONNECTION_ID }).strict())
  .mutation(({ ctx, input }) =>
    deleteConnection({
      db: ctx.db(),
      userId: ctx.session.user.id,
      connectionId: input.connectionId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
