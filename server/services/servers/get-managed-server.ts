import type { Db, Tx } from "../../db";
import { AppError } from "../../errors";
import { canManage, canonicalId, serverNotFound } from "./server-access";
import { isServerAdmin, type ServerActor } from "./server-actor";
import { canonicalServerSlug } from "./server-metadata";
import { loadUserRefs, type ManagedServerDetail, toVersionView, USER_REF_SELECT } from "./server-views";

/**
 * One catalog entry as its owner (or an admin) manages it: metadata, health, and every version
 * newest first with its review state, configuration, discovered capabilities and which shared
 * secrets are set. Anyone else gets NOT_FOUND, whether or not the server exists (X6).
 */
export async function getManagedServer(options: {
  db: Db | Tx;
  actor: ServerActor;
  serverId?: string;
  slug?: string;
}): Promise<ManagedServerDetail> {
  const { db, actor } = options;
  let where: { id: string } | { slug: string };
  if (options.serverId !== undefined) {
    const id = canonicalId(options.serverId);
    if (id === null) throw serverNotFound();
    where = { id };
  } else if (options.slug !== undefined) {
    const slug = canonicalServerSlug(options.slug);
    if (slug === null) throw serverNotFound();
    where = { slug };
  } else {
    throw new AppError("BAD_REQUEST", "Name a server by id or slug.");
  }

  const server = await db.server.findUnique({
    where,
    include: {
      owner: { select: USER_REF_SELECT },
      versions: { orderBy: [{ createdAt: "desc" }, { id: "desc" }] },
    },
  });
  if (!server || !canManage(actor, server)) throw serverNotFound();

  const users = await loadUserRefs(
    db,
    server.versions.flatMap((version) => [version.createdById, version.reviewedById]),
  );
  return {
    id: server.id,
    slug: server.slug,
    name: server.name,
    registryName: server.registryName,
    description: server.description,
    iconUrl: server.iconUrl,
    tags: server.tags,
    websiteUrl: server.websiteUrl,
    repositoryUrl: server.repositoryUrl,
    scope: server.scope,
    status: server.status,
    owner: server.owner,
    approvedVersionId: server.approvedVersionId,
    health: {
      status: server.healthStatus,
      latencyMs: server.healthLatencyMs,
      checkedAt: server.healthCheckedAt,
      error: server.healthError,
    },
    createdAt: server.createdAt,
    updatedAt: server.updatedAt,
    viewer: {
      isOwner: actor.userId !== null && actor.userId === server.ownerId,
      canReview: isServerAdmin(actor),
    },
    versions: server.versions.map((version) => toVersionView(version, server, users)),
  };
}
