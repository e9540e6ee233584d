import type { Db } from "../../db";
import { byName } from "../teams/team-row";
import { knownToolsOf, managedRegistryWhere, mayManageAll, type RegistryActor } from "./registry-row";

const LIMIT = 100;

export type GrantableServer = {
  id: string;
  slug: string;
  name: string;
  description: string;
  /** null when the upstream's tools have not been discovered yet */
  knownTools: { name: string; description: string | null }[] | null;
};

/**
 * The servers the actor may add to a registry (the picker): approved shared servers, and for
 * anyone but an Admin only the ones they published.
 */
export async function listGrantableServers(options: {
  db: Db;
  actor: RegistryActor;
  search?: string;
}): Promise<GrantableServer[]> {
  managedRegistryWhere(options.actor); // refuses actors who manage no registries
  const search = options.search?.trim();
  const servers = await options.db.server.findMany({
    where: {
      scope: "SHARED",
      status: "APPROVED",
      ...(!mayManageAll(options.actor) && { ownerId: options.actor.id }),
      ...(search && {
        OR: [
          { name: { contains: search, mode: "insensitive" } },
          { slug: { contains: search, mode: "insensitive" } },
        ],
      }),
    },
    select: {
      id: true,
      slug: true,
      name: true,
      description: true,
      approvedVersion: { select: { capabilities: true } },
    },
    orderBy: { name: "asc" },
    take: LIMIT,
  });
  return servers
    .map((server) => ({
      id: server.id,
      slug: server.slug,
      name: server.name,
      description: server.description,
      knownTools: knownToolsOf(server.approvedVersion?.capabilities),
    }))
    .sort((a, b) => byName(a.name, b.name));
}
