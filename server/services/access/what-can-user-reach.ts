import type { Db } from "../../db";
import { listVisibleServers } from "../catalog/visible-servers";
import { byName } from "../teams/team-row";
import { userNotFound } from "../users/user-row";
import { type ReachUser, type ReachVia, subjectOrder } from "./reach-types";

export type WhatCanUserReachResult = {
  user: ReachUser & { teams: { id: string; name: string }[] };
  servers: {
    serverId: string;
    slug: string;
    name: string;
    scope: "PERSONAL" | "SHARED";
    /** each registry grant the user reaches it through, and as which subject; empty for personal */
    via: ReachVia[];
    /** null = every tool; the union of the grants' allow-lists */
    allowedTools: string[] | null;
  }[];
};

/**
 * "What can user Y reach?" The servers come from listVisibleServers (the one place that decides
 * visibility); this only adds, for each granting registry, how the user is one of its subjects
 * and that grant's own allow-list. A deactivated user reaches nothing.
 */
export async function whatCanUserReach(options: { db: Db; userId: string }): Promise<WhatCanUserReachResult> {
  const { db, userId } = options;
  const user = await db.user.findUnique({
    where: { id: userId },
    select: {
      id: true,
      name: true,
      email: true,
      role: true,
      status: true,
      teamMemberships: { select: { team: { select: { id: true, name: true } } } },
    },
  });
  if (!user) throw userNotFound();
  const { teamMemberships, ...rest } = user;
  const teams = teamMemberships.map((membership) => membership.team).sort((a, b) => byName(a.name, b.name));

  const visible = await listVisibleServers({ db, userId });
  const registryIds = [...new Set(visible.flatMap((server) => server.via.map((via) => via.registryId)))];
  const serverIds = visible.filter((server) => server.scope === "SHARED").map((server) => server.serverId);
  const teamIds = teams.map((team) => team.id);
  const [subjects, grants] =
    registryIds.length === 0
      ? [[], []]
      : await Promise.all([
          db.registrySubject.findMany({
            where: {
              registryId: { in: registryIds },
              OR: [{ kind: "EVERYONE" }, { kind: "USER", userId }, { kind: "TEAM", teamId: { in: teamIds } }],
            },
            select: { registryId: true, kind: true, team: { select: { id: true, name: true } } },
          }),
          db.registryServer.findMany({
            where: { registryId: { in: registryIds }, serverId: { in: serverIds } },
            select: { registryId: true, serverId: true, allowedTools: true },
          }),
        ]);

  const subjectsOf = new Map<string, ReachVia["subject"][]>();
  for (const subject of subjects) {
    const list = subjectsOf.get(subject.registryId) ?? [];
    if (subject.kind === "EVERYONE") list.push("everyone");
    else if (subject.kind === "USER") list.push("direct");
    else if (subject.team) list.push({ teamId: subject.team.id, teamName: subject.team.name });
    subjectsOf.set(subject.registryId, list);
  }
  const toolsOf = new Map(
    grants.map((grant) => [`${grant.registryId}/${grant.serverId}`, grant.allowedTools]),
  );

  return {
    user: { ...rest, teams },
    servers: visible.map((server) => {
      const via: ReachVia[] = [];
      for (const registry of server.via) {
        const tools = toolsOf.get(`${registry.registryId}/${server.serverId}`) ?? [];
        for (const subject of subjectsOf.get(registry.registryId) ?? []) {
          via.push({
            registryId: registry.registryId,
            registryName: registry.registryName,
            subject,
            allowedTools: tools.length === 0 ? null : [...tools].sort(),
          });
        }
      }
      via.sort(
        (a, b) =>
          byName(a.registryName, b.registryName) || byName(subjectOrder(a.subject), subjectOrder(b.subject)),
      );
      return {
        serverId: server.serverId,
        slug: server.slug,
        name: server.name,
        scope: server.scope,
        via,
        allowedTools: server.allowedTools,
      };
    }),
  };
}
