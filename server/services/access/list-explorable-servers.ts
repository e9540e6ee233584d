import type { Db } from "../../db";
import { byName } from "../teams/team-row";

const LIMIT = 50;

export type ExplorableServer = {
  id: string;
  slug: string;
  name: string;
  scope: "PERSONAL" | "SHARED";
  status: "DRAFT" | "PENDING_APPROVAL" | "APPROVED" | "REJECTED" | "RETIRED";
  ownerEmail: string;
};

/** Every catalog entry (any state, personal ones too), for the access explorer's server picker. */
export async function listExplorableServers(options: {
  db: Db;
  search?: string;
}): Promise<ExplorableServer[]> {
  const search = options.search?.trim();
  const servers = await options.db.server.findMany({
    where: search
      ? {
          OR: [
            { name: { contains: search, mode: "insensitive" } },
            { slug: { contains: search, mode: "insensitive" } },
          ],
        }
      : undefined,
    select: {
      id: true,
      slug: true,
      name: true,
      scope: true,
      status: true,
      owner: { select: { email: true } },
    },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: LIMIT,
  });
  return servers
    .map(({ owner, ...server }) => ({ ...server, ownerEmail: owner.email }))
    .sort(
      (a, b) => Number(b.status === "APPROVED") - Number(a.status === "APPROVED") || byName(a.name, b.name),
    );
}
