import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { AUDIT_PERMISSIONS } from "@/components/shell/nav-items";
import { PageHeader } from "@/components/ui/page-header";
import { requireSession } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";
import { getQueryClient, trpc } from "@/server/trpc/rsc";
import { filtersFromParams, listInput } from "./_components/audit-filters";
import { AuditLog } from "./_components/audit-log";

export const metadata: Metadata = { title: "Audit log" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AuditPage(props: Props) {
  const { user } = await requireSession();
  // The same gate as the navigation entry: any one of the audit permissions.
  if (!AUDIT_PERMISSIONS.some((permission) => can(user, permission))) notFound();
  const filters = filtersFromParams(await props.searchParams);

  const queryClient = getQueryClient();
  // A failure here is not fatal: the browser then loads the list itself and shows the error.
  await queryClient.prefetchInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(listInput(filters), {
      getNextPageParam: (page) => page.nextCursor ?? undefined,
    }),
  );

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <div className="space-y-6">
        <PageHeader
          title="Audit log"
          description="Every request agents send through Gatehouse and every change to access: who acted, with which token, on which server and tool, and how it ended."
        />
        <AuditLog
          initialFilters={filters}
          // The service decides the same way (auditVisibility); known here so the page can say it at once.
          visibility={can(user, "audit.read_metadata") ? "all" : "own_servers"}
          canReadBodies={can(user, "audit.read_bodies")}
          canManageServers={can(user, "server.manage_all")}
        />
      </div>
    </HydrationBoundary>
  );
}
