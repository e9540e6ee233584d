import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { requirePermission } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";
import { api, getQueryClient, trpc } from "@/server/trpc/rsc";
import { TeamDetailView } from "../_components/team-detail";

type Props = { params: Promise<{ teamId: string }> };

/**
 * The team, or null when there is no such team (a malformed id included). Other failures (the
 * database is down) leave the data out; the page then loads it in the browser and shows the error.
 * Cached per request: the title and the page share one lookup.
 */
const findTeam = cache(async (teamId: string) => {
  try {
    return { team: await (await api()).teams.get({ teamId }) };
  } catch (error) {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) {
      return { team: null };
    }
    return { team: undefined };
  }
});

export async function generateMetadata(props: Props): Promise<Metadata> {
  const { teamId } = await props.params;
  const { team } = await findTeam(teamId);
  return { title: team?.name ?? "Team" };
}

export default async function TeamPage(props: Props) {
  const { user } = await requirePermission("team.read");
  const { teamId } = await props.params;
  const { team } = await findTeam(teamId);
  // A missing team is a 404 page (./not-found.tsx), answered before any request from the browser.
  if (team === null) notFound();
  const queryClient = getQueryClient();
  if (team) queryClient.setQueryData(trpc.teams.get.queryKey({ teamId }), team);

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <TeamDetailView
        teamId={teamId}
        canManage={can(user, "team.manage")}
        canReadUsers={can(user, "user.read")}
      />
    </HydrationBoundary>
  );
}
