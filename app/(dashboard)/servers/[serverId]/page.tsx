import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { ServerManageView } from "@/components/servers/server-manage";
import { requirePermission } from "@/server/auth/current";
import { api, getQueryClient, trpc } from "@/server/trpc/rsc";

type Props = { params: Promise<{ serverId: string }> };

/**
 * The server as its owner or an admin manages it, or null when this person may not (missing,
 * someone else's, a malformed id: one answer for all). Other failures leave the data out; the page
 * then loads it in the browser and shows the error. Cached per request for the title and the page.
 */
const findServer = cache(async (serverId: string) => {
  try {
    return { server: await (await api()).servers.get({ serverId }) };
  } catch (error) {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) {
      return { server: null };
    }
    return { server: undefined };
  }
});

export async function generateMetadata(props: Props): Promise<Metadata> {
  const { serverId } = await props.params;
  const { server } = await findServer(serverId);
  return { title: server?.name ?? "Server" };
}

export default async function ManageServerPage(props: Props) {
  await requirePermission("server.publish_personal");
  const { serverId } = await props.params;
  const { server } = await findServer(serverId);
  if (server === null) notFound();
  const queryClient = getQueryClient();
  if (server) queryClient.setQueryData(trpc.servers.get.queryKey({ serverId }), server);
  await queryClient.prefetchQuery(trpc.servers.commandTemplates.queryOptions());

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <ServerManageView serverId={serverId} />
    </HydrationBoundary>
  );
}
