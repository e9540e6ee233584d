import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";
import { getQueryClient, trpc } from "@/server/trpc/rsc";
import { CreateRegistryDialog } from "./_components/create-registry-dialog";
import { RegistriesList } from "./_components/registries-list";

export const metadata: Metadata = { title: "Registries" };

export default async function RegistriesPage() {
  const { user } = await requirePermission("registry.manage_own");
  const managesAll = can(user, "registry.manage_all");
  const queryClient = getQueryClient();
  await queryClient.prefetchQuery(trpc.registries.list.queryOptions({}));

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <div className="space-y-8">
        <PageHeader
          title="Registries"
          description={
            managesAll
              ? "Registries decide who can reach what: each grants users, teams or everyone a set of approved servers, optionally narrowed to some of their tools. You manage every registry."
              : "Registries decide who can reach what: each grants users, teams or everyone a set of servers, optionally narrowed to some of their tools. These are the registries you own."
          }
          actions={<CreateRegistryDialog />}
        />
        <RegistriesList currentUserId={user.id} managesAll={managesAll} />
      </div>
    </HydrationBoundary>
  );
}
