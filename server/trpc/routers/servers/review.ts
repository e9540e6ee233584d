import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { REVIEW_DECISIONS, reviewServer } from "../../../services/servers/review-server";
import { actorFromUser } from "../../../services/servers/server-actor";
import { permissionProcedure } from "../../init";
import { SERVER_ID, VERSION_ID } from "./fields";

/**
 * servers.review (admins): approve or reject a PENDING_APPROVAL version. Rejecting needs a reason
 * (BAD_REQUEST otherwise). The owner is notified. Returns the ManagedServerDetail.
 */
export const review = permissionProcedure("server.manage_all")
  .input(
    z
      .object({
        serverId: SERVER_ID,
        versionId: VERSION_ID,
        decision: z.enum(REVIEW_DECISIONS),
        reason: z.string().max(10_000).optional(),
      })
      .strict(),
  )
  .mutation(({ ctx, input }) =>
    reviewServer({
      db: ctx.db(),
      actor: actorFromUser(ctx.session.user),
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
      serverId: input.serverId,
      versionId: input.versionId,
      decision: input.decision,
      reason: input.reason,
    }),
  );
