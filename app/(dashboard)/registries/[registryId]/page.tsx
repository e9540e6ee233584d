import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { requirePermission } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";
import { api, getQueryClient, trpc } from "@/server/trpc/rsc";
import { RegistryDetailView } from "../_components/registry-detail";

type Props = { params: Promise<{ registryId: string }> };

/**
 * The registry, or null when there is none this person manages (a malformed id included). Other
 * failures (the database is down) leave the data out; the page then loads it in the browser and
 * shows the error. Cached per request: the title and the page share one lookup.
 */
const findRegistry = cache(async (registryId: string) => {
  try {
    return { registry: await (await api()).registries.get({ registryId }) };
  } catch (error) {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) {
      return { registry: null };
    }
    return { registry: undefined };
  }
});

export async function generateMetadata(props: Props): Promise<Metadata> {
  const { registryId } = await props.params;
  const { registry } = await findRegistry(registryId);
  return { title: registry?.name ?? "Registry" };
}

export default async function RegistryPage(props: Props) {
  const { user } = await requirePermission("registry.manage_own");
  const { registryId } = await props.params;
  const { registry } = await findRegistry(registryId);
  // Missing, or someone else's: the same 404 page (./not-found.tsx), answered before any request from the browser.
  if (registry === null) notFound();
  const queryClient = getQueryClient();
  if (registry) queryClient.setQueryData(trpc.registries.get.queryKey({ registryId }), registry);

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <RegistryDetailView
        registryId={registryId}
        canExplore={can(user, "access.explore")}
        managesAll={can(user, "registry.manage_all")}
      />
    </HydrationBoundary>
  );
}
