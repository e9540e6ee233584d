import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/auth/current";
import { providerSummaries } from "@/server/auth/providers";
import { env } from "@/server/env";
import { can } from "@/server/policy/permissions";
import { getQueryClient, trpc } from "@/server/trpc/rsc";
import { InviteDialog } from "./_components/invite-dialog";
import { PendingInvitations } from "./_components/pending-invitations";
import { UsersSection } from "./_components/users-section";
import { USERS_PAGE_SIZE, type Viewer } from "./_components/viewer";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const { user } = await requirePermission("user.read");
  const viewer: Viewer = { id: user.id, role: user.role, isAuditor: user.isAuditor, status: user.status };
  const canInvite = can(user, "user.invite");
  // Provider ids ("oidc") become the names people know ("Okta") in the sign-in methods column.
  const providerNames = Object.fromEntries(providerSummaries(env()).map((p) => [p.id, p.name]));

  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.users.list.queryOptions({ limit: USERS_PAGE_SIZE })),
    canInvite ? queryClient.prefetchQuery(trpc.invitations.list.queryOptions()) : null,
  ]);

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <div className="space-y-8">
        <PageHeader
          title="Users"
          description="Everyone who can sign in to Gatehouse, with their role and status. Deactivating a user is one-step offboarding: their sessions, API tokens and grants stop working on the next request."
          actions={
            canInvite ? (
              <InviteDialog viewer={viewer} hasSingleSignOn={Object.keys(providerNames).length > 0} />
            ) : undefined
          }
        />
        <UsersSection viewer={viewer} providerNames={providerNames} />
        {canInvite && <PendingInvitations />}
      </div>
    </HydrationBoundary>
  );
}
