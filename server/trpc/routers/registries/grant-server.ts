import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { grantRegistryServer } from "../../../services/registries/grant-registry-server";
import { permissionProcedure } from "../../init";
import { ALLOWED_TOOLS } from "./fields";

/** `allowedTools` empty or absent: every tool of the server. */
export const grantServer = permissionProcedure("registry.manage_own")
  .input(
    z.object({ registryId: z.uuid(), serverId: z.uuid(), allowedTools: ALLOWED_TOOLS.optional() }).strict(),
  )
  .mutation(({ ctx, input }) =>
    grantRegistryServer({
      db: ctx.db(),
      actor: ctx.session.user,
      registryId: input.registryId,
      serverId: input.serverId,
      allowedTools: input.allowedTools,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
