import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { requirePermission } from "@/server/auth/current";
import { api, getQueryClient, trpc } from "@/server/trpc/rsc";
import { ConnectionDetailView } from "../_components/connection-detail";

type Props = { params: Promise<{ connectionId: string }> };

/**
 * The user's own connection, or null when there is none (someone else's and malformed ids
 * included). Other failures (the database is down) leave the data out; the page then loads it in
 * the browser and shows the error. Cached per request: the title and the page share one lookup.
 */
const findConnection = cache(async (connectionId: string) => {
  try {
    return { connection: await (await api()).connections.get({ connectionId }) };
  } catch (error) {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) {
      return { connection: null };
    }
    return { connection: undefined };
  }
});

export async function generateMetadata(props: Props): Promise<Metadata> {
  const { connectionId } = await props.params;
  const { connection } = await findConnection(connectionId);
  return { title: connection?.name ?? "Connection" };
}

export default async function ConnectionPage(props: Props) {
  await requirePermission("connection.manage_own");
  const { connectionId } = await props.params;
  const { connection } = await findConnection(connectionId);
  // A missing connection is a 404 page (./not-found.tsx), answered before any request from the browser.
  if (connection === null) notFound();
  const queryClient = getQueryClient();
  if (connection) queryClient.setQueryData(trpc.connections.get.queryKey({ connectionId }), connection);

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <ConnectionDetailView connectionId={connectionId} />
    </HydrationBoundary>
  );
}
