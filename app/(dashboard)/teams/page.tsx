import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";
import { getQueryClient, trpc } from "@/server/trpc/rsc";
import { CreateTeamDialog } from "./_components/create-team-dialog";
import { TeamsList } from "./_components/teams-list";

export const metadata: Metadata = { title: "Teams" };

export default async function TeamsPage() {
  const { user } = await requirePermission("team.read");
  const canManage = can(user, "team.manage");
  const queryClient = getQueryClient();
  await queryClient.prefetchQuery(trpc.teams.list.queryOptions({}));

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <div className="space-y-8">
        <PageHeader
          title="Teams"
          description="Teams group users so a registry can grant access to many people at once. A team can be kept in sync with a group in your identity provider."
          actions={canManage ? <CreateTeamDialog /> : undefined}
        />
        <TeamsList canManage={canManage} />
      </div>
    </HydrationBoundary>
  );
}
