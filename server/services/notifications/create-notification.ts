import type { Tx } from "../../db";
import { cleanDescription, cleanLine } from "../catalog/parse-server-json";

/**
 * Something a user should see in the UI (a review decision on their server, …). Written inside the
 * transaction of the change it reports, so a notification never announces something that rolled
 * back. Text is cleaned: titles and bodies often quote user-supplied names and reasons.
 */
export type NotificationKind = "server.approved" | "server.rejected";

export async function createNotification(
  tx: Tx,
  notification: {
    userId: string;
    kind: NotificationKind;
    title: string;
    body?: string;
    link?: string | null;
  },
): Promise<{ id: string }> {
  return tx.notification.create({
    data: {
      userId: notification.userId,
      kind: notification.kind,
      title: cleanLine(notification.title, 300),
      body: cleanDescription(notification.body ?? "", 4000),
      // Only in-app paths: a notification never links off-site.
      link: notification.link && /^\/(?!\/)[^\s\\]*$/.test(notification.link) ? notification.link : null,
    },
    select: { id: true },
  });
}
