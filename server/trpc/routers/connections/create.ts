import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { createConnection } from "../../../services/connections/create-connection";
import { permissionProcedure } from "../../init";
import { CONFIG_VALUES, CONNECTION_NAME, SERVER_SLUG } from "./fields";

export const create = permissionProcedure("connection.manage_own")
  .input(z.object({ slug: SERVER_SLUG, name: CONNECTION_NAME.optional(), values: CONFIG_VALUES }).strict())
  .mutation(({ ctx, input }) =>
    createConnection({
      db: ctx.db(),
      userId: ctx.session.user.id,
      slug: input.slug,
      name: input.name,
      values: input.values,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
