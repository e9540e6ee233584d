import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";
import { getQueryClient, trpc } from "@/server/trpc/rsc";
import { CatalogBrowser } from "./_components/catalog-browser";
import { filtersFromParams, listInput } from "./_components/catalog-filters";

export const metadata: Metadata = { title: "Catalog" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function CatalogPage(props: Props) {
  const { user } = await requirePermission("catalog.read");
  const filters = filtersFromParams(await props.searchParams);
  const queryClient = getQueryClient();
  // A failure here is not fatal: the browser then loads the list itself and shows the error.
  await queryClient.prefetchQuery(trpc.catalog.list.queryOptions(listInput(filters)));

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <div className="space-y-6">
        <PageHeader
          title="Catalog"
          description="The MCP servers your registries grant you, and your own personal servers. Open one to see its tools, then connect it to your agents."
        />
        <CatalogBrowser initialFilters={filters} canManageRegistries={can(user, "registry.manage_own")} />
      </div>
    </HydrationBoundary>
  );
}
