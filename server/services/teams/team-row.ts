import type { Db, Prisma, Tx } from "../../db";
import { AppError } from "../../errors";
import type { PlatformRole } from "../../policy/permissions";
import { nameOrEmailContains } from "../users/user-search";

export type TeamRow = {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  source: "LOCAL" | "IDP";
  /** the IdP group claim value an IDP team is synced from */
  externalId: string | null;
  memberCount: number;
  createdAt: Date;
};

export type TeamMemberRow = {
  userId: string;
  email: string;
  name: string | null;
  role: PlatformRole;
  source: "MANUAL" | "IDP";
  addedAt: Date;
};

/** Members listed at most on a team's page; a search finds anyone among the rest. */
export const TEAM_MEMBERS_SHOWN = 200;

export type TeamDetail = TeamRow & {
  /** alphabetical, at most TEAM_MEMBERS_SHOWN of them (only those matching a search, if any) */
  members: TeamMemberRow[];
  /** how many members match the search (memberCount without one) */
  matchingCount: number;
};

export const TEAM_ROW_SELECT = {
  id: true,
  slug: true,
  name: true,
  description: true,
  source: true,
  externalId: true,
  createdAt: true,
  _count: { select: { members: true } },
} satisfies Prisma.TeamSelect;

type SelectedTeam = Prisma.TeamGetPayload<{ select: typeof TEAM_ROW_SELECT }>;

export function toTeamRow(team: SelectedTeam): TeamRow {
  return {
    id: team.id,
    slug: team.slug,
    name: team.name,
    description: team.description,
    source: team.source,
    externalId: team.externalId,
    memberCount: team._count.members,
    createdAt: team.createdAt,
  };
}

export function teamNotFound(): AppError {
  return new AppError("NOT_FOUND", "This team does not exist (any more). Reload the list and try again.");
}

export async function findTeamDetail(db: Db | Tx, teamId: string, search?: string): Promise<TeamDetail> {
  const needle = search?.trim().slice(0, 200) || undefined;
  const matching = needle ? { user: nameOrEmailContains(needle) } : {};
  const team = await db.team.findUnique({
    where: { id: teamId },
    select: {
      ...TEAM_ROW_SELECT,
      members: {
        where: matching,
        orderBy: [{ user: { name: { sort: "asc", nulls: "last" } } }, { user: { email: "asc" } }],
        take: TEAM_MEMBERS_SHOWN,
        select: {
          source: true,
          createdAt: true,
          user: { select: { id: true, email: true, name: true, role: true } },
        },
      },
    },
  });
  if (!team) throw teamNotFound();
  const row = toTeamRow(team);
  const matchingCount = needle
    ? await db.teamMember.count({ where: { teamId, ...matching } })
    : row.memberCount;
  return {
    ...row,
    matchingCount,
    members: team.members
      .map((member) => ({
        userId: member.user.id,
        email: member.user.email,
        name: member.user.name,
        role: member.user.role,
        source: member.source,
        addedAt: member.createdAt,
      }))
      .sort((a, b) => byName(a.name ?? a.email, b.name ?? b.email) || byName(a.email, b.email)),
  };
}

/**
 * Alphabetical as a person reads it ("alpha" before "Zulu", "Émile" beside "Emil"), which the
 * database's default collation does not guarantee.
 */
export function byName(a: string, b: string): number {
  return a.localeCompare(b, "en", { sensitivity: "base", numeric: true });
}

/** IdP-synced teams get their members from the group claim at each sign-in; manual edits would be undone. */
export function idpManagedMessage(externalId: string | null): string {
  return `Members of this team come from the identity provider group "${externalId ?? "?"}"; change them there.`;
}
