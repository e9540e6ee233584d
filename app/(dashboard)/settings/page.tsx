import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { PageHeader, Section } from "@/components/ui/page-header";
import { getQueryClient, trpc } from "@/server/trpc/rsc";
import { SecurityPosture } from "../_components/security-posture";
import { SystemDetails } from "../_components/system-details";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.system.getPosture.queryOptions()),
    queryClient.prefetchQuery(trpc.system.getStatus.queryOptions()),
  ]);

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <div className="space-y-8">
        <PageHeader
          title="Settings"
          description="How this installation is configured, whether it is safe to expose, and the health of the services it runs on."
        />
        <SecurityPosture />
        <Section title="System" description="The services and background workers behind Gatehouse.">
          <SystemDetails />
        </Section>
      </div>
    </HydrationBoundary>
  );
}
