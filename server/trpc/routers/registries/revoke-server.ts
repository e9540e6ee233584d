import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { revokeRegistryServer } from "../../../services/registries/revoke-registry-server";
import { permissionProcedure } from "../../init";

export const revokeServer = permissionProcedure("registry.manage_own")
  .input(z.object({ registryId: z.uuid(), serverId: z.uuid() }).strict())
  .mutation(({ ctx, input }) =>
    revokeRegistryServer({
      db: ctx.db(),
      actor: ctx.session.user,
      registryId: input.registryId,
      serverId: input.serverId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
