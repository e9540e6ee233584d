import type { Tx } from "../../db";
import type { Server } from "../../db/generated/client";
import { isServerAdmin, type ServerActor } from "./server-actor";

/**
 * What publishing a version does (issue 4, "Who may publish"): a personal server is usable only by
 * its owner, so it needs no review and is approved at once; a shared one published by someone who
 * holds server.manage_all is approved at once too (they are the reviewer); any other shared
 * version waits for an admin. A server that already has an approved version keeps serving it
 * while a newer one waits.
 */
export type PublishedStatus = "APPROVED" | "PENDING_APPROVAL";

export function publicationStatus(actor: ServerActor, scope: Server["scope"]): PublishedStatus {
  return scope === "PERSONAL" || isServerAdmin(actor) ? "APPROVED" : "PENDING_APPROVAL";
}

export async function publishVersion(
  tx: Tx,
  options: {
    server: Pick<Server, "id" | "scope" | "status">;
    versionId: string;
    actor: ServerActor;
    now: Date;
  },
): Promise<PublishedStatus> {
  const { server, versionId, actor, now } = options;
  const status = publicationStatus(actor, server.scope);
  if (status === "APPROVED") {
    const isReviewed = server.scope === "SHARED";
    await tx.serverVersion.update({
      where: { id: versionId },
      data: {
        status: "APPROVED",
        submittedAt: now,
        reviewedAt: isReviewed ? now : null,
        reviewedById: isReviewed ? actor.userId : null,
        reviewReason: null,
      },
    });
    await tx.server.update({
      where: { id: server.id },
      data: { status: "APPROVED", approvedVersionId: versionId },
    });
    return status;
  }
  await tx.serverVersion.update({
    where: { id: versionId },
    data: {
      status: "PENDING_APPROVAL",
      submittedAt: now,
      reviewedAt: null,
      reviewedById: null,
      reviewReason: null,
    },
  });
  if (server.status !== "APPROVED")
    await tx.server.update({ where: { id: server.id }, data: { status: "PENDING_APPROVAL" } });
  return status;
}
