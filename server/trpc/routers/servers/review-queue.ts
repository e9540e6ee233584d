import { listReviewQueue } from "../../../services/servers/list-review-queue";
import { actorFromUser } from "../../../services/servers/server-actor";
import { permissionProcedure } from "../../init";

/** servers.reviewQueue (admins): ReviewQueueItem[], versions waiting for review, oldest first. */
export const reviewQueue = permissionProcedure("server.manage_all").query(({ ctx }) =>
  listReviewQueue({ db: ctx.db(), actor: actorFromUser(ctx.session.user) }),
);
