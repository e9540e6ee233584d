import { auditContextFromHeaders } from "../../../audit/record";
import { actorFromUser } from "../../../services/servers/server-actor";
import { updateServer } from "../../../services/servers/update-server";
import { permissionProcedure } from "../../init";
import { METADATA, SERVER_ID } from "./fields";

/**
 * servers.update: edits metadata (owner or admin; anyone else NOT_FOUND). Omitted fields stay;
 * null/"" clears a link. A new slug must be free (CONFLICT). Returns the ManagedServerDetail.
 */
export const update = permissionProcedure("server.publish_personal")
  .input(METADATA.partial().extend({ serverId: SERVER_ID }).strict())
  .mutation(({ ctx, input }) => {
    const { serverId, ...patch } = input;
    return updateServer({
      db: ctx.db(),
      actor: actorFromUser(ctx.session.user),
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
      serverId,
      patch,
    });
  });
