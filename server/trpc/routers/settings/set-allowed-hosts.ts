import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { setAllowedHosts as writeAllowedHosts } from "../../../services/settings/outbound-policy";
import { permissionProcedure } from "../../init";

export const setAllowedHosts = permissionProcedure("settings.manage")
  .input(
    z
      .object({
        hosts: z.array(z.string().max(260)).max(200),
        forEveryone: z.array(z.string().max(260)).max(200).optional(),
      })
      .strict(),
  )
  .mutation(async ({ ctx, input }) =>
    writeAllowedHosts({
      db: ctx.db(),
      hosts: input.hosts,
      forEveryone: input.forEveryone,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
