import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { createVersion as addVersion } from "../../../services/servers/create-version";
import { actorFromUser } from "../../../services/servers/server-actor";
import { permissionProcedure } from "../../init";
import { DEFINITION, INTENT, SERVER_ID, VERSION_LABEL } from "./fields";

/**
 * servers.createVersion: adds a version (label unique per server, else CONFLICT). intent defaults
 * to "publish": approved at once on a personal server or for an admin (connections move to it);
 * otherwise it waits for review while the approved version keeps serving. Shared secrets left out
 * of sharedValues keep the previous version's value. Returns the ManagedServerDetail.
 */
export const createVersion = permissionProcedure("server.publish_personal")
  .input(
    z
      .object({
        serverId: SERVER_ID,
        version: VERSION_LABEL,
        definition: DEFINITION,
        intent: INTENT.optional(),
      })
      .strict(),
  )
  .mutation(({ ctx, input }) =>
    addVersion({
      db: ctx.db(),
      actor: actorFromUser(ctx.session.user),
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
      serverId: input.serverId,
      version: input.version,
      definition: input.definition,
      intent: input.intent,
    }),
  );
