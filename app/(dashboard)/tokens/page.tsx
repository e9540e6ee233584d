import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";
import { getQueryClient, trpc } from "@/server/trpc/rsc";
import { MyTokens } from "./_components/my-tokens";
import { NewTokenDialog } from "./_components/new-token-dialog";
import { TokensTabs } from "./_components/tokens-tabs";

export const metadata: Metadata = { title: "API tokens" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function TokensPage(props: Props) {
  const { user } = await requirePermission("token.manage_own");
  const canRevokeAny = can(user, "token.revoke_any");
  const params = await props.searchParams;
  const view = canRevokeAny && params.view === "all" ? "all" : "mine";

  const queryClient = getQueryClient();
  // A failure here is not fatal: the browser then loads the list itself and shows the error.
  await queryClient.prefetchQuery(trpc.tokens.list.queryOptions());

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <div className="space-y-8">
        <PageHeader
          title="API tokens"
          description="Personal tokens let your agents reach your connections: they send one as 'Authorization: Bearer …' with every request. Each token is shown once, reaches only what you choose, and can expire, be limited to your networks, and be revoked at any time."
          actions={<NewTokenDialog />}
        />
        {canRevokeAny ? <TokensTabs initialView={view} /> : <MyTokens />}
      </div>
    </HydrationBoundary>
  );
}
