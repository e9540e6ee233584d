import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";
import { requireSession } from "@/server/auth/current";
import { providerSummaries } from "@/server/auth/providers";
import { env } from "@/server/env";
import { getQueryClient, trpc } from "@/server/trpc/rsc";
import { ProfileView } from "./_components/profile-view";

export const metadata: Metadata = { title: "Profile" };

export default async function ProfilePage() {
  await requireSession();
  const providerNames = Object.fromEntries(providerSummaries(env()).map((p) => [p.id, p.name]));
  const queryClient = getQueryClient();
  await queryClient.prefetchQuery(trpc.profile.get.queryOptions());

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <div className="space-y-8">
        <PageHeader
          title="Profile"
          description="Your account, the places you are signed in, and the sign-ins linked to it."
        />
        <ProfileView providerNames={providerNames} />
      </div>
    </HydrationBoundary>
  );
}
