import { z } from "zod";
import { markNotificationsRead } from "../../../services/notifications/mark-notifications-read";
import { protectedProcedure } from "../../init";

/** notifications.markRead: { ids } or { all: true } of the caller's own; returns { updated, unreadCount }. */
export const markRead = protectedProcedure
  .input(
    z.union([
      z.object({ ids: z.array(z.uuid()).min(1).max(100) }).strict(),
      z.object({ all: z.literal(true) }).strict(),
    ]),
  )
  .mutation(({ ctx, input }) =>
    markNotificationsRead({ db: ctx.db(), userId: ctx.session.user.id, target: input }),
  );
