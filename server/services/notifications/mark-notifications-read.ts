import type { Db } from "../../db";

/**
 * Marks the user's notifications read: the listed ids, or all of them. Ids of someone else's
 * notifications simply match nothing (the user id is part of the filter), so nothing leaks.
 */
export async function markNotificationsRead(options: {
  db: Db;
  userId: string;
  target: { ids: string[] } | { all: true };
  now?: Date;
}): Promise<{ updated: number; unreadCount: number }> {
  const ids = "ids" in options.target ? options.target.ids.map((id) => id.toLowerCase()) : null;
  const { count } = await options.db.notification.updateMany({
    where: { userId: options.userId, readAt: null, ...(ids && { id: { in: ids } }) },
    data: { readAt: options.now ?? new Date() },
  });
  const unreadCount = await options.db.notification.count({
    where: { userId: options.userId, readAt: null },
  });
  return { updated: count, unreadCount };
}
