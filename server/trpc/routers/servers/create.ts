import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { createServer } from "../../../services/servers/create-server";
import { actorFromUser } from "../../../services/servers/server-actor";
import { permissionProcedure } from "../../init";
import { DEFINITION, INTENT, METADATA, SCOPE, VERSION_LABEL } from "./fields";

/**
 * servers.create: a new catalog entry with its first version.
 * intent "draft" saves it; "publish" approves a PERSONAL one at once, a SHARED one at once for an
 * admin and otherwise sends it to review. SHARED needs server.submit_shared (else FORBIDDEN).
 * Returns the ManagedServerDetail (as servers.get).
 */
export const create = permissionProcedure("server.publish_personal")
  .input(
    z
      .object({
        intent: INTENT,
        scope: SCOPE,
        metadata: METADATA,
        version: VERSION_LABEL,
        definition: DEFINITION,
      })
      .strict(),
  )
  .mutation(({ ctx, input }) =>
    createServer({
      db: ctx.db(),
      actor: actorFromUser(ctx.session.user),
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
      intent: input.intent,
      scope: input.scope,
      metadata: input.metadata,
      version: input.version,
      definition: input.definition,
    }),
  );
