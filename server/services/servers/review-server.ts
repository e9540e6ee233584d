import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import { bumpGlobalAccessEpoch } from "../access/access-epochs";
import { cleanDescription } from "../catalog/parse-server-json";
import { createNotification } from "../notifications/create-notification";
import { getManagedServer } from "./get-managed-server";
import { requestDiscovery } from "./request-discovery";
import { assertNotRetired, canonicalId, lockManagedServer, serverNotFound } from "./server-access";
import { assertActorCan, type ServerActor, viaOf } from "./server-actor";
import type { ManagedServerDetail } from "./server-views";

export const REVIEW_DECISIONS = ["approve", "reject"] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];
export const MAX_REVIEW_REASON_LENGTH = 2000;

function notWaiting(version: string, status: string): AppError {
  const words: Record<string, string> = {
    DRAFT: "is a draft that was not submitted",
    APPROVED: "is already approved",
    REJECTED: "was already rejected",
    RETIRED: "is retired",
  };
  return new AppError(
    "CONFLICT",
    `Version ${version} is not waiting for review: it ${words[status] ?? status}.`,
  );
}

/**
 * An admin's decision on a version waiting for review (server.manage_all). Approving makes it the
 * version new connections use and the server APPROVED (existing connections keep their version;
 * their owners are offered the move); rejecting needs a reason, and leaves an already
 * approved version serving. The owner gets a notification in the same transaction; an approved
 * version's discovery is queued after the commit.
 */
export async function reviewServer(options: {
  db: Db;
  actor: ServerActor;
  context: AuditContext;
  serverId: string;
  versionId: string;
  decision: ReviewDecision;
  reason?: string | null;
}): Promise<ManagedServerDetail> {
  const { db, actor, context, decision } = options;
  const action = decision === "approve" ? "server.approve" : "server.reject";
  await assertActorCan(db, actor, "server.manage_all", context, {
    action,
    targetType: "server",
    targetId: canonicalId(options.serverId) ?? undefined,
    serverId: canonicalId(options.serverId) ?? undefined,
  });
  const reason = cleanDescription(options.reason ?? "", Number.MAX_SAFE_INTEGER);
  if (Array.from(reason).length > MAX_REVIEW_REASON_LENGTH)
    throw new AppError("BAD_REQUEST", `The reason must be at most ${MAX_REVIEW_REASON_LENGTH} characters.`, {
      details: { fieldErrors: { reason: ["Too long."] } },
    });
  if (decision === "reject" && reason === "")
    throw new AppError("BAD_REQUEST", "Say why the server is rejected; the owner reads the reason.", {
      details: { fieldErrors: { reason: ["A reason is required to reject."] } },
    });
  const versionId = canonicalId(options.versionId);
  if (versionId === null) throw serverNotFound();

  const serverId = await db.$transaction(async (tx) => {
    const server = await lockManagedServer(tx, actor, options.serverId);
    assertNotRetired(server);
    const version = await tx.serverVersion.findFirst({ where: { id: versionId, serverId: server.id } });
    if (!version) throw new AppError("NOT_FOUND", "This version does not exist on this server.");
    if (version.status !== "PENDING_APPROVAL") throw notWaiting(version.version, version.status);
    const now = new Date();
    const review = {
      reviewedAt: now,
      reviewedById: actor.userId,
      reviewReason: reason === "" ? null : reason,
    };

    let serverStatus = server.status;
    if (decision === "approve") {
      await tx.serverVersion.update({ where: { id: version.id }, data: { status: "APPROVED", ...review } });
      serverStatus = "APPROVED";
      await tx.server.update({
        where: { id: server.id },
        data: { status: serverStatus, approvedVersionId: version.id },
      });
    } else {
      await tx.serverVersion.update({ where: { id: version.id }, data: { status: "REJECTED", ...review } });
      // An approved version keeps serving; a server that never had one is rejected as a whole.
      if (server.approvedVersionId === null) {
        serverStatus = "REJECTED";
        await tx.server.update({ where: { id: server.id }, data: { status: serverStatus } });
      }
    }

    if (server.ownerId !== actor.userId) {
      await createNotification(tx, {
        userId: server.ownerId,
        kind: decision === "approve" ? "server.approved" : "server.rejected",
        title:
          decision === "approve"
            ? `"${server.name}" ${version.version} was approved`
            : `"${server.name}" ${version.version} was not approved`,
        body: reason,
        link: `/servers/${server.id}`,
      });
    }
    await recordAudit(tx, context, {
      action,
      targetType: "server",
      targetId: server.id,
      serverId: server.id,
      reason: reason === "" ? undefined : reason,
      metadata: {
        ...viaOf(actor),
        slug: server.slug,
        versionId: version.id,
        version: version.version,
        before: { serverStatus: server.status, approvedVersionId: server.approvedVersionId },
        after: {
          serverStatus,
          approvedVersionId: decision === "approve" ? version.id : server.approvedVersionId,
        },
      },
    });
    return server.id;
  });
  if (decision === "approve") await requestDiscovery(serverId, versionId);
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpGlobalAccessEpoch();
  return getManagedServer({ db, actor, serverId });
}
