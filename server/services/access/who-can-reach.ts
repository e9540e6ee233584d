import type { Db } from "../../db";
import { AppError } from "../../errors";
import { byName } from "../teams/team-row";
import { nameOrEmailContains, personMatches } from "../users/user-search";
import { type ReachUser, type ReachVia, subjectOrder, unionTools } from "./reach-types";

/** Enough for a page a person reads; beyond it the explorer says how many more there are. */
export const WHO_CAN_REACH_CAP = 500;

export type WhoCanReachResult = {
  server: {
    id: string;
    slug: string;
    name: string;
    scope: "PERSONAL" | "SHARED";
    status: "DRAFT" | "PENDING_APPROVAL" | "APPROVED" | "REJECTED" | "RETIRED";
    owner: { id: string; name: string | null; email: string };
  };
  /** why nobody reaches it whatever the registries say (not approved, retired), else null */
  blockedReason: string | null;
  /** registries granting it to everyone: every active user reaches it through them */
  everyone: { registryId: string; registryName: string; allowedTools: string[] | null }[];
  /** every registry granting the server, with whom it grants it to */
  grants: {
    registryId: string;
    registryName: string;
    registrySlug: string;
    allowedTools: string[] | null;
    subjects: string[];
  }[];
  users: (ReachUser & {
    /** true for the owner of a personal server, who reaches it without any registry */
    isPersonalOwner: boolean;
    via: ReachVia[];
    /** the union of the via allow-lists, null = every tool */
    allowedTools: string[] | null;
  })[];
  /** how many active users reach it; `users` holds at most WHO_CAN_REACH_CAP of them */
  total: number;
  /** with a search: how many of them match it (and `users` holds only those), else null */
  matching: number | null;
};

const STATUS_WORDS = {
  DRAFT: "is a draft",
  PENDING_APPROVAL: "is waiting for approval",
  REJECTED: "was rejected",
  RETIRED: "is retired",
} as const;

/**
 * "Who can reach server X, and through which registry?" The same rules as listVisibleServers
 * (approved shared servers through registry grants to active users; personal servers to their
 * owner), answered from the server's side: teams and "everyone" expanded to the active users in
 * them. The integration test checks both sides agree.
 */
export async function whoCanReach(options: {
  db: Db;
  serverId: string;
  /** only people whose name or email contains it (for a list past WHO_CAN_REACH_CAP) */
  search?: string;
}): Promise<WhoCanReachResult> {
  const { db } = options;
  const search = options.search?.trim().slice(0, 200) || undefined;
  const server = await db.server.findUnique({
    where: { id: options.serverId },
    select: {
      id: true,
      slug: true,
      name: true,
      scope: true,
      status: true,
      owner: { select: { id: true, name: true, email: true, role: true, status: true } },
    },
  });
  if (!server) throw new AppError("NOT_FOUND", "This server does not exist (any more).");
  const { owner, ...rest } = server;
  const base = { server: { ...rest, owner: { id: owner.id, name: owner.name, email: owner.email } } };

  const rows = await db.registryServer.findMany({
    where: { serverId: server.id },
    select: {
      allowedTools: true,
      registry: {
        select: {
          id: true,
          name: true,
          slug: true,
          subjects: {
            select: {
              kind: true,
              userId: true,
              user: { select: { name: true, email: true } },
              team: { select: { id: true, name: true } },
            },
          },
        },
      },
    },
  });
  const grants = rows
    .map((row) => ({
      registryId: row.registry.id,
      registryName: row.registry.name,
      registrySlug: row.registry.slug,
      allowedTools: row.allowedTools.length === 0 ? null : [...row.allowedTools].sort(),
      // Read in a sentence: "granted to everyone, team Support, Sam Support".
      subjects: row.registry.subjects.map((subject) =>
        subject.kind === "EVERYONE"
          ? "everyone"
          : subject.kind === "TEAM"
            ? `team ${subject.team?.name ?? "?"}`
            : ((subject.user?.name?.trim() || subject.user?.email) ?? "a user"),
      ),
      subjectRows: row.registry.subjects,
    }))
    .sort((a, b) => byName(a.registryName, b.registryName));
  const publicGrants = grants.map(({ subjectRows: _, ...grant }) => grant);

  if (server.scope === "PERSONAL") {
    const reaches = server.status !== "RETIRED" && owner.status === "ACTIVE";
    const shown = reaches && (search === undefined || personMatches(owner, search.toLowerCase()));
    return {
      ...base,
      blockedReason: reaches
        ? null
        : server.status === "RETIRED"
          ? "This personal server is retired."
          : "The owner of this personal server is deactivated.",
      everyone: [],
      grants: publicGrants,
      users: shown
        ? [
            {
              id: owner.id,
              name: owner.name,
              email: owner.email,
              role: owner.role,
              status: owner.status,
              isPersonalOwner: true,
              via: [],
              allowedTools: null,
            },
          ]
        : [],
      total: reaches ? 1 : 0,
      matching: search === undefined ? null : shown ? 1 : 0,
    };
  }
  if (server.status !== "APPROVED") {
    return {
      ...base,
      blockedReason: `This server ${STATUS_WORDS[server.status]}: registries grant only approved servers, so nobody reaches it.`,
      everyone: [],
      grants: publicGrants,
      users: [],
      total: 0,
      matching: search === undefined ? null : 0,
    };
  }

  const everyone = grants.filter((grant) => grant.subjectRows.some((subject) => subject.kind === "EVERYONE"));
  const byTeam = new Map<string, { teamName: string; grants: typeof grants }>();
  const byUser = new Map<string, typeof grants>();
  for (const grant of grants) {
    for (const subject of grant.subjectRows) {
      if (subject.kind === "TEAM" && subject.team) {
        const entry = byTeam.get(subject.team.id) ?? { teamName: subject.team.name, grants: [] };
        entry.grants.push(grant);
        byTeam.set(subject.team.id, entry);
      } else if (subject.kind === "USER" && subject.userId) {
        byUser.set(subject.userId, [...(byUser.get(subject.userId) ?? []), grant]);
      }
    }
  }
  const teamIds = [...byTeam.keys()];
  const userIds = [...byUser.keys()];
  const result = {
    ...base,
    blockedReason: null,
    everyone: everyone.map((grant) => ({
      registryId: grant.registryId,
      registryName: grant.registryName,
      allowedTools: grant.allowedTools,
    })),
    grants: publicGrants,
  };
  if (everyone.length === 0 && teamIds.length === 0 && userIds.length === 0) {
    return { ...result, users: [], total: 0, matching: search === undefined ? null : 0 };
  }

  const where = {
    status: "ACTIVE" as const,
    ...(everyone.length === 0 && {
      OR: [{ id: { in: userIds } }, { teamMemberships: { some: { teamId: { in: teamIds } } } }],
    }),
  };
  const searched = search === undefined ? where : { AND: [where, nameOrEmailContains(search)] };
  const [total, matching, users] = await Promise.all([
    db.user.count({ where }),
    search === undefined ? null : db.user.count({ where: searched }),
    db.user.findMany({
      where: searched,
      select: {
        id: true,
        name: true,
        email: true,
        role: true,
        status: true,
        teamMemberships: { where: { teamId: { in: teamIds } }, select: { teamId: true } },
      },
      orderBy: [{ name: { sort: "asc", nulls: "last" } }, { email: "asc" }],
      take: WHO_CAN_REACH_CAP,
    }),
  ]);

  return {
    ...result,
    total,
    matching,
    users: users.map(({ teamMemberships, ...user }) => {
      const via: ReachVia[] = [];
      for (const grant of everyone) via.push(viaOf(grant, "everyone"));
      for (const { teamId } of teamMemberships) {
        const team = byTeam.get(teamId);
        for (const grant of team?.grants ?? [])
          via.push(viaOf(grant, { teamId, teamName: team?.teamName ?? "" }));
      }
      for (const grant of byUser.get(user.id) ?? []) via.push(viaOf(grant, "direct"));
      via.sort(
        (a, b) =>
          byName(a.registryName, b.registryName) || byName(subjectOrder(a.subject), subjectOrder(b.subject)),
      );
      return {
        ...user,
        isPersonalOwner: false,
        via,
        allowedTools: unionTools(via.map((entry) => entry.allowedTools)),
      };
    }),
  };
}

function viaOf(
  grant: { registryId: string; registryName: string; allowedTools: string[] | null },
  subject: ReachVia["subject"],
): ReachVia {
  return {
    registryId: grant.registryId,
    registryName: grant.registryName,
    subject,
    allowedTools: grant.allowedTools,
  };
}
