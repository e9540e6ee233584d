import { listMyNotifications } from "../../../services/notifications/list-my-notifications";
import { protectedProcedure } from "../../init";

/** notifications.list: { items: NotificationRow[] (latest 30, newest first), unreadCount }. */
export const list = protectedProcedure.query(({ ctx }) =>
  listMyNotifications({ db: ctx.db(), userId: ctx.session.user.id }),
);
