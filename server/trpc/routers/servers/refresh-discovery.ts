import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { refreshDiscovery as queueDiscovery } from "../../../services/servers/refresh-discovery";
import { actorFromUser } from "../../../services/servers/server-actor";
import { permissionProcedure } from "../../init";
import { SERVER_ID, VERSION_ID } from "./fields";

/**
 * servers.refreshDiscovery: queues discovery of a version (default: the approved one, else the
 * newest) for its owner or an admin, whatever its transport (stdio versions are started once in the
 * sandbox). Returns { versionId }. UNAVAILABLE while Redis is down.
 */
export const refreshDiscovery = permissionProcedure("server.publish_personal")
  .input(z.object({ serverId: SERVER_ID, versionId: VERSION_ID.optional() }).strict())
  .mutation(({ ctx, input }) =>
    queueDiscovery({
      db: ctx.db(),
      actor: actorFromUser(ctx.session.user),
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
      serverId: input.serverId,
      versionId: input.versionId,
    }),
  );
