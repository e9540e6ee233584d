import { type AuditContext, recordAudit } from "../../audit/record";
import type { Tx } from "../../db";
import type { Server, ServerVersion } from "../../db/generated/client";
import { createNotification, notifyReviewers } from "../notifications/create-notification";
import { isServerAdmin, type ServerActor, viaOf } from "./server-actor";

/**
 * What publishing a version does (issue 4, "Who may publish"): whoever holds server.manage_all is
 * the reviewer, so their versions are approved at once. A personal remote server is usable only by
 * its owner, so it needs no review either. Everything else waits for an admin: a shared version,
 * and a stdio version of anyone else's, personal or not, because a stdio package is code the
 * gateway itself runs (DESIGN: "an admin-allowed stdio package"; nothing starts it before then, see
 * mayRunPackage). A server that already has an approved version keeps serving it while a newer one
 * waits.
 */
export type PublishedStatus = "APPROVED" | "PENDING_APPROVAL";

export function publicationStatus(
  actor: ServerActor,
  scope: Server["scope"],
  transport: ServerVersion["transport"],
): PublishedStatus {
  if (isServerAdmin(actor)) return "APPROVED";
  return scope === "PERSONAL" && transport !== "STDIO" ? "APPROVED" : "PENDING_APPROVAL";
}

/** Whether the gateway may start a version's stdio package: only once an admin has approved it. */
export function mayRunPackage(version: Pick<ServerVersion, "transport" | "status">): boolean {
  return version.transport !== "STDIO" || version.status === "APPROVED";
}

/** Whether a version just saved with `status` is discovered now: published, and allowed to run. */
export function isDiscoveredOnSave(
  transport: ServerVersion["transport"],
  status: ServerVersion["status"],
): boolean {
  return status !== "DRAFT" && mayRunPackage({ transport, status });
}

export const PACKAGE_AWAITS_APPROVAL =
  "A stdio package is started only once an admin has approved it; its tools are discovered then.";

export async function publishVersion(
  tx: Tx,
  options: {
    server: Pick<Server, "id" | "scope" | "status" | "ownerId" | "name" | "slug">;
    versionId: string;
    actor: ServerActor;
    context: AuditContext;
    now: Date;
  },
): Promise<PublishedStatus> {
  const { server, versionId, actor, now } = options;
  const { transport, version } = await tx.serverVersion.findUniqueOrThrow({
    where: { id: versionId },
    select: { transport: true, version: true },
  });
  const status = publicationStatus(actor, server.scope, transport);
  if (status === "APPROVED") {
    // Approved at once by an admin: they are its reviewer (which also lets it reach the hosts an
    // admin allowed, policyForVersion). A Power user's personal remote server has none.
    const isReviewed = isServerAdmin(actor);
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
    if (isReviewed && actor.userId !== server.ownerId) {
      // An admin publishing someone else's version approves it: on record and told to the owner,
      // as an approval in review is (review-server.ts).
      await recordAudit(tx, options.context, {
        action: "server.approve",
        targetType: "server",
        targetId: server.id,
        serverId: server.id,
        metadata: { ...viaOf(actor), slug: server.slug, versionId, version, onPublish: true },
      });
      await createNotification(tx, {
        userId: server.ownerId,
        kind: "server.approved",
        title: `"${server.name}" ${version} was approved`,
        link: `/servers/${server.id}`,
      });
    }
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
  await notifyReviewers(tx, {
    submitterId: actor.userId,
    notification: {
      kind: "server.submitted",
      title: `"${server.name}" ${version} waits for your review`,
      body:
        server.scope === "PERSONAL"
          ? "A personal server's stdio package: Gatehouse runs it only once an admin approved it."
          : server.status === "APPROVED"
            ? "An update of a server in the catalog."
            : "A new server for the catalog.",
      link: `/reviews?server=${server.id}`,
    },
  });
  return status;
}
