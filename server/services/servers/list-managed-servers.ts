import type { Db, Prisma } from "../../db";
import { PermissionDeniedError } from "../../policy/permissions";
import { isServerAdmin, type ServerActor } from "./server-actor";
import { type ManagedServerRow, type ServerStatus, USER_REF_SELECT } from "./server-views";

export const MAX_LISTED_SERVERS = 500;

/**
 * The publishing list: "mine" is what the actor owns (any status, retired included); "all" is every
 * catalog entry and needs server.manage_all. Most recently changed first.
 */
export async function listManagedServers(options: {
  db: Db;
  actor: ServerActor;
  scope: "mine" | "all";
  status?: ServerStatus;
  search?: string;
}): Promise<ManagedServerRow[]> {
  const { actor } = options;
  if (options.scope === "all" && !isServerAdmin(actor)) throw new PermissionDeniedError("server.manage_all");
  if (options.scope === "mine" && actor.userId === null) return [];
  const search = options.search?.normalize("NFKC").trim();
  const where: Prisma.ServerWhereInput = {
    ...(options.scope === "mine" && { ownerId: actor.userId as string }),
    ...(options.status && { status: options.status }),
    ...(search && {
      OR: [
        { name: { contains: search, mode: "insensitive" } },
        { slug: { contains: search, mode: "insensitive" } },
        { registryName: { contains: search, mode: "insensitive" } },
        { tags: { has: search.toLowerCase() } },
      ],
    }),
  };
  const servers = await options.db.server.findMany({
    where,
    include: {
      owner: { select: USER_REF_SELECT },
      approvedVersion: { select: { id: true, version: true } },
      versions: {
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: 1,
        select: { id: true, version: true, status: true, transport: true },
      },
      _count: { select: { versions: { where: { status: "PENDING_APPROVAL" } } } },
    },
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
    take: MAX_LISTED_SERVERS,
  });
  return servers.map((server) => ({
    id: server.id,
    slug: server.slug,
    name: server.name,
    description: server.description,
    iconUrl: server.iconUrl,
    tags: server.tags,
    scope: server.scope,
    status: server.status,
    owner: server.owner,
    latestVersion: server.versions[0] ?? null,
    approvedVersion: server.approvedVersion,
    pendingVersionCount: server._count.versions,
    health: { status: server.healthStatus, checkedAt: server.healthCheckedAt },
    createdAt: server.createdAt,
    updatedAt: server.updatedAt,
  }));
}
