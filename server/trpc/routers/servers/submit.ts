import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { actorFromUser } from "../../../services/servers/server-actor";
import { submitForApproval } from "../../../services/servers/submit-for-approval";
import { permissionProcedure } from "../../init";
import { SERVER_ID, VERSION_ID } from "./fields";

/**
 * servers.submit: publishes a DRAFT or REJECTED version (`versionId`, default the newest such):
 * to review for a shared server, approved at once for a personal one or an admin. Returns the
 * ManagedServerDetail.
 */
export const submit = permissionProcedure("server.publish_personal")
  .input(z.object({ serverId: SERVER_ID, versionId: VERSION_ID.optional() }).strict())
  .mutation(({ ctx, input }) =>
    submitForApproval({
      db: ctx.db(),
      actor: actorFromUser(ctx.session.user),
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
      serverId: input.serverId,
      versionId: input.versionId,
    }),
  );
