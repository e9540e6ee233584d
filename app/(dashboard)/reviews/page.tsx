import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { ReviewQueue } from "@/components/servers/review-queue";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/auth/current";
import { getQueryClient, trpc } from "@/server/trpc/rsc";

export const metadata: Metadata = { title: "Reviews" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ReviewsPage(props: Props) {
  await requirePermission("server.manage_all");
  const { server } = await props.searchParams;
  const queryClient = getQueryClient();
  await queryClient.prefetchQuery(trpc.servers.reviewQueue.queryOptions());

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <div className="space-y-6">
        <PageHeader
          title="Reviews"
          description="Shared servers and new versions waiting for your decision. Check what each one runs and which tools it offers; an approved version is usable by whoever a registry grants it to."
        />
        <ReviewQueue focusServerId={typeof server === "string" ? server : undefined} />
      </div>
    </HydrationBoundary>
  );
}
