import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { PageHeader, Section } from "@/components/ui/page-header";
import { requirePermission } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";
import { getQueryClient, trpc } from "@/server/trpc/rsc";
import { SecurityPosture } from "../_components/security-posture";
import { SystemDetails } from "../_components/system-details";
import { AllowedHostsCard } from "./_components/allowed-hosts-card";
import { CommandTemplatesCard } from "./_components/command-templates-card";
import { SignUpPolicyCard } from "./_components/sign-up-policy-card";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  const { user } = await requirePermission("system.read");
  const canManageSettings = can(user, "settings.manage");
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.system.getPosture.queryOptions()),
    queryClient.prefetchQuery(trpc.system.getStatus.queryOptions()),
    canManageSettings ? queryClient.prefetchQuery(trpc.settings.getSignUpPolicy.queryOptions()) : null,
    canManageSettings ? queryClient.prefetchQuery(trpc.settings.getAllowedHosts.queryOptions()) : null,
    queryClient.prefetchQuery(trpc.settings.getCommandTemplates.queryOptions()),
  ]);

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <div className="space-y-8">
        <PageHeader
          title="Settings"
          description="How this installation is configured, who may create an account, whether it is safe to expose, and the health of the services it runs on."
        />
        {canManageSettings && <SignUpPolicyCard />}
        {canManageSettings && <AllowedHostsCard />}
        <CommandTemplatesCard canManage={canManageSettings} />
        <SecurityPosture />
        <Section title="System" description="The services and background workers behind Gatehouse.">
          <SystemDetails />
        </Section>
      </div>
    </HydrationBoundary>
  );
}
