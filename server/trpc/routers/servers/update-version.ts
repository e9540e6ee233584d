import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { actorFromUser } from "../../../services/servers/server-actor";
import { updateVersion as editVersion } from "../../../services/servers/update-version";
import { permissionProcedure } from "../../init";
import { DEFINITION, SERVER_ID, VERSION_ID } from "./fields";

/**
 * servers.updateVersion: replaces the definition of a DRAFT or REJECTED version (e.g. an import's
 * draft, to set its shared values); others are immutable (CONFLICT). Shared secrets left out keep
 * their stored value. Returns the ManagedServerDetail.
 */
export const updateVersion = permissionProcedure("server.publish_personal")
  .input(z.object({ serverId: SERVER_ID, versionId: VERSION_ID, definition: DEFINITION }).strict())
  .mutation(({ ctx, input }) =>
    editVersion({
      db: ctx.db(),
      actor: actorFromUser(ctx.session.user),
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
      serverId: input.serverId,
      versionId: input.versionId,
      definition: input.definition,
    }),
  );
