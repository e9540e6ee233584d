import type { Db } from "../../db";

export const NOTIFICATIONS_SHOWN = 30;

export type NotificationRow = {
  id: string;
  kind: string;
  title: string;
  body: string;
  /** an in-app path such as /servers/<id>, or null */
  link: string | null;
  readAt: Date | null;
  createdAt: Date;
};

/** The user's latest notifications (newest first) and how many of all theirs are unread. */
export async function listMyNotifications(options: {
  db: Db;
  userId: string;
}): Promise<{ items: NotificationRow[]; unreadCount: number }> {
  const [items, unreadCount] = await Promise.all([
    options.db.notification.findMany({
      where: { userId: options.userId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: NOTIFICATIONS_SHOWN,
      select: { id: true, kind: true, title: true, body: true, link: true, readAt: true, createdAt: true },
    }),
    options.db.notification.count({ where: { userId: options.userId, readAt: null } }),
  ]);
  return { items, unreadCount };
}
