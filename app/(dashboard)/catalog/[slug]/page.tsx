import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { requirePermission } from "@/server/auth/current";
import { api, getQueryClient, trpc } from "@/server/trpc/rsc";
import { ServerDetailView } from "../_components/server-detail";

type Props = { params: Promise<{ slug: string }> };

/**
 * The server as this user may see it, or null when it is not in their catalog (missing, not
 * granted, another user's personal server, a traversal or look-alike slug). Other failures leave
 * the data out; the page then loads it in the browser and shows the error. Cached per request: the
 * title and the page share one lookup.
 */
const findServer = cache(async (slug: string) => {
  try {
    return { server: await (await api()).catalog.get({ slug }) };
  } catch (error) {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) {
      return { server: null };
    }
    return { server: undefined };
  }
});

export async function generateMetadata(props: Props): Promise<Metadata> {
  const { slug } = await props.params;
  const { server } = await findServer(slug);
  return { title: server?.name ?? "Server" };
}

export default async function CatalogServerPage(props: Props) {
  await requirePermission("catalog.read");
  const { slug } = await props.params;
  const { server } = await findServer(slug);
  // Not in this user's catalog: the 404 page (./not-found.tsx), the same for every reason.
  if (server === null) notFound();
  // "WEATHER" or full-width letters resolve to the server; the address bar shows its real slug.
  if (server && server.slug !== slug) redirect(`/catalog/${server.slug}`);
  const queryClient = getQueryClient();
  if (server) queryClient.setQueryData(trpc.catalog.get.queryKey({ slug }), server);

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <ServerDetailView slug={slug} />
    </HydrationBoundary>
  );
}
