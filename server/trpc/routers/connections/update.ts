import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { updateConnection } from "../../../services/connections/update-connection";
import { MAX_CONFIG_FIELDS } from "../../../services/servers/config-fields";
import { permissionProcedure } from "../../init";
import { CONFIG_VALUES, CONNECTION_ID, CONNECTION_NAME } from "./fields";

export const update = permissionProcedure("connection.manage_own")
  .input(
    z
      .object({
        connectionId: CONNECTION_ID,
        name: CONNECTION_NAME.optional(),
        values: CONFIG_VALUES.optional(),
        clearSecrets: z.array(z.string().min(1).max(200)).max(MAX_CONFIG_FIELDS).optional(),
      })
      .strict(),
  )
  .mutation(({ ctx, input }) =>
    updateConnection({
      db: ctx.db(),
      userId: ctx.session.user.id,
      connectionId: input.connectionId,
      name: input.name,
      values: input.values,
      clearSecrets: input.clearSecrets,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
