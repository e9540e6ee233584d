import type { Tx } from "../../db";
import { rolesWith } from "../../policy/permissions";
import { cleanDescription, cleanLine } from "../catalog/parse-server-json";

/**
 * Something a user should see in the UI (a review decision on their server, …). Written inside the
 * transaction of the change it reports, so a notification never announces something that rolled
 * back. Text is cleaned: titles and bodies often quote user-supplied names and reasons.
 */
export type NotificationKind = "server.approved" | "server.rejected" | "server.submitted";

type NotificationInput = {
  kind: NotificationKind;
  title: string;
  body?: string;
  link?: string | null;
};

function cleaned(notification: NotificationInput) {
  return {
    kind: notification.kind,
    title: cleanLine(notification.title, 300),
    body: cleanDescription(notification.body ?? "", 4000),
    // Only in-app paths: a notification never links off-site.
    link: notification.link && /^\/(?!\/)[^\s\\]*$/.test(notification.link) ? notification.link : null,
  };
}

export async function createNotification(
  tx: Tx,
  notification: NotificationInput & { userId: string },
): Promise<{ id: string }> {
  return tx.notification.create({
    data: { userId: notification.userId, ...cleaned(notification) },
    select: { id: true },
  });
}

/**
 * Tells everyone who reviews catalog entries (active users holding server.manage_all) that a
 * version waits for them, except `submitterId` (an admin's own submission needs no telling), and
 * except a reviewer who has not yet read the same notice (same link): however often versions of
 * one server are submitted, each reviewer has at most one unread notice about it.
 */
export async function notifyReviewers(
  tx: Tx,
  options: { submitterId: string | null; notification: NotificationInput },
): Promise<number> {
  const reviewers = await tx.user.findMany({
    where: {
      status: "ACTIVE",
      role: { in: rolesWith("server.manage_all") },
      ...(options.submitterId ? { id: { not: options.submitterId } } : {}),
      notifications: {
        none: { kind: options.notification.kind, link: options.notification.link ?? null, readAt: null },
      },
    },
    select: { id: true },
  });
  const data = cleaned(options.notification);
  const { count } = await tx.notification.createMany({
    data: reviewers.map((reviewer) => ({ userId: reviewer.id, ...data })),
  });
  return count;
}
