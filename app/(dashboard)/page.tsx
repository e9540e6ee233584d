import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { PageHeader, Section } from "@/components/ui/page-header";
import { requireSession } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";
import { getQueryClient, trpc } from "@/server/trpc/rsc";
import { ActivityCard } from "./_components/activity-card";
import { InstallationCounts } from "./_components/installation-counts";
import { MemberOverview } from "./_components/member-overview";
import { SystemStatusCards } from "./_components/system-status-cards";
import { UpstreamHealth } from "./_components/upstream-health";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage() {
  const { user } = await requireSession();
  // System health is for the people who run Gatehouse; everyone else gets their way in.
  if (!can(user, "system.read")) return <MemberOverview name={user.name ?? user.email} />;

  // Fetched on the server so the first paint has data; the client keeps it fresh from there.
  // A failed prefetch is not fatal: the section retries in the browser and shows its error state.
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.system.getStatus.queryOptions()),
    queryClient.prefetchQuery(trpc.system.getOverview.queryOptions()),
  ]);

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <div className="space-y-8">
        <PageHeader
          title="Overview"
          description="How this Gatehouse installation is doing: the services it runs on, what it serves, and whether the MCP servers behind it answer."
        />
        <Section title="System status" description="The services Gatehouse depends on.">
          <SystemStatusCards />
        </Section>
        <Section title="Installation" description="What this Gatehouse manages.">
          <InstallationCounts />
        </Section>
        <ActivityCard />
        <UpstreamHealth />
      </div>
    </HydrationBoundary>
  );
}
