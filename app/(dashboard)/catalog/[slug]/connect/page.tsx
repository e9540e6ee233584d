import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { requirePermission } from "@/server/auth/current";
import { api, getQueryClient, trpc } from "@/server/trpc/rsc";
import { ConnectView } from "./_components/connect-form";

type Props = { params: Promise<{ slug: string }> };

/**
 * The connect form for the server, or null when the user cannot connect it (not visible to them,
 * no approved version, a mistyped slug). Other failures leave the data to the browser, which then
 * shows the error with a retry. Cached per request: the title and the page share one lookup.
 */
const findForm = cache(async (slug: string) => {
  try {
    return { form: await (await api()).connections.connectForm({ slug }) };
  } catch (error) {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) {
      return { form: null };
    }
    return { form: undefined };
  }
});

/** The slug as typed; a malformed escape stays as it is (and is then simply not found). */
function slugOf(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export async function generateMetadata(props: Props): Promise<Metadata> {
  const { slug } = await props.params;
  const { form } = await findForm(slugOf(slug));
  return { title: form ? `Connect ${form.server.name}` : "Connect a server" };
}

export default async function ConnectPage(props: Props) {
  await requirePermission("connection.manage_own");
  const slug = slugOf((await props.params).slug);
  const { form } = await findForm(slug);
  if (form === null) notFound();
  const queryClient = getQueryClient();
  if (form) queryClient.setQueryData(trpc.connections.connectForm.queryKey({ slug }), form);

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <ConnectView slug={slug} />
    </HydrationBoundary>
  );
}
