import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { updateAllowedTools as updateTools } from "../../../services/registries/update-allowed-tools";
import { permissionProcedure } from "../../init";
import { ALLOWED_TOOLS } from "./fields";

/** `allowedTools` empty: every tool of the server. */
export const updateAllowedTools = permissionProcedure("registry.manage_own")
  .input(z.object({ registryId: z.uuid(), serverId: z.uuid(), allowedTools: ALLOWED_TOOLS }).strict())
  .mutation(({ ctx, input }) =>
    updateTools({
      db: ctx.db(),
      actor: ctx.session.user,
      registryId: input.registryId,
      serverId: input.serverId,
      allowedTools: input.allowedTools,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
