import type { Db } from "../../db";
import { byName } from "../teams/team-row";
import { assertMayManageRegistries, type RegistryActor } from "./registry-row";

export const SUBJECT_SEARCH_MIN = 2;
export const SUBJECT_SEARCH_LIMIT = 10;

export type SubjectSearchResult = {
  users: { id: string; name: string | null; email: string }[];
  teams: { id: string; name: string; slug: string; memberCount: number }[];
};

/**
 * People and teams a registry can be granted to, for registry owners who may not list users
 * (Power user+): active users and teams whose name, email or slug contains `query`. At least two
 * characters and at most ten of each, so it cannot be used to page through the directory.
 */
export async function searchSubjects(options: {
  db: Db;
  actor: RegistryActor;
  query: string;
  kind?: "USER" | "TEAM";
}): Promise<SubjectSearchResult> {
  assertMayManageRegistries(options.actor);
  const query = options.query.trim();
  if (query.length < SUBJECT_SEARCH_MIN) return { users: [], teams: [] };
  const contains = { contains: query, mode: "insensitive" as const };
  const [users, teams] = await Promise.all([
    options.kind === "TEAM"
      ? []
      : options.db.user.findMany({
          where: { status: "ACTIVE", OR: [{ email: contains }, { name: contains }] },
          select: { id: true, name: true, email: true },
          orderBy: [{ email: "asc" }],
          take: SUBJECT_SEARCH_LIMIT,
        }),
    options.kind === "USER"
      ? []
      : options.db.team.findMany({
          where: { OR: [{ name: contains }, { slug: contains }] },
          select: { id: true, name: true, slug: true, _count: { select: { members: true } } },
          orderBy: [{ name: "asc" }],
          take: SUBJECT_SEARCH_LIMIT,
        }),
  ]);
  return {
    users: users.sort((a, b) => byName(a.name ?? a.email, b.name ?? b.email)),
    teams: teams
      .map((team) => ({ id: team.id, name: team.name, slug: team.slug, memberCount: team._count.members }))
      .sort((a, b) => byName(a.name, b.name)),
  };
}
