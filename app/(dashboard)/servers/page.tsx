import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { PublishActions, ServersList } from "@/components/servers/servers-list";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";
import { getQueryClient, trpc } from "@/server/trpc/rsc";

export const metadata: Metadata = { title: "My servers" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ServersPage(props: Props) {
  const { user } = await requirePermission("server.publish_personal");
  const isAdmin = can(user, "server.manage_all");
  // `?scope=all` opens an admin on every server (the Overview's Servers tile links there).
  const scope = isAdmin && (await props.searchParams).scope === "all" ? "all" : "mine";
  const queryClient = getQueryClient();
  // A failure here is not fatal: the list then loads in the browser and shows the error.
  await queryClient.prefetchQuery(trpc.servers.list.queryOptions({ scope }));

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <div className="space-y-6">
        <PageHeader
          title="My servers"
          description="The MCP servers you publish through Gatehouse: drafts, what waits for approval, and what people use. Open one to manage its versions."
          actions={<PublishActions />}
        />
        {/* Keyed by the scope asked for, so the sidebar's "My servers" link resets an "All servers" view. */}
        <ServersList key={scope} isAdmin={isAdmin} currentUserId={user.id} initialScope={scope} />
      </div>
    </HydrationBoundary>
  );
}
