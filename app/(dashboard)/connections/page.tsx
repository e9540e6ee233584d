import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { LibraryBig } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/auth/current";
import { getQueryClient, trpc } from "@/server/trpc/rsc";
import { ConnectionsList } from "./_components/connections-list";

export const metadata: Metadata = { title: "Connections" };

export default async function ConnectionsPage() {
  await requirePermission("connection.manage_own");
  const queryClient = getQueryClient();
  // A failure here is not fatal: the browser then loads the list itself and shows the error.
  await queryClient.prefetchQuery(trpc.connections.list.queryOptions());

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <div className="space-y-8">
        <PageHeader
          title="Connections"
          description="Your connections to MCP servers. Each has its own URL for your agents and keeps your settings and secrets for that server."
          actions={
            <Button variant="outline" asChild>
              <Link href="/catalog">
                <LibraryBig aria-hidden="true" />
                Browse the catalog
              </Link>
            </Button>
          }
        />
        <ConnectionsList />
      </div>
    </HydrationBoundary>
  );
}
