"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Code2, KeyRound, Link2, LockKeyhole, Sparkles } from "lucide-react";
import { useRouter } from "next/navigation";
import type { ReactNode } from "react";
import { toast } from "sonner";
import { ConfigurationForm } from "@/components/connections/configuration-form";
import { isNotFound } from "@/components/lib/errors";
import { useTRPC } from "@/components/providers/trpc-provider";
import { BackLink } from "@/components/ui/back-link";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { ErrorState } from "@/components/ui/error-state";
import { PageHeader } from "@/components/ui/page-header";
import { ServerIcon } from "@/components/ui/server-icon";
import { Skeleton } from "@/components/ui/skeleton";
import { ConnectUnavailable } from "./connect-unavailable";

const TRANSPORT_LABELS = {
  STREAMABLE_HTTP: "Remote (streamable HTTP)",
  SSE: "Remote (SSE)",
  STDIO: "Run by Gatehouse",
} as const;

function BackToServer({ slug, name }: { slug: string; name?: string }) {
  return (
    <BackLink href={`/catalog/${encodeURIComponent(slug)}`}>
      {name ? `Back to ${name}` : "Back to the server"}
    </BackLink>
  );
}

function ConnectSkeleton() {
  return (
    <div className="space-y-6" aria-busy="true">
      <span className="sr-only" role="status">
        Loading the connect form…
      </span>
      <Skeleton className="h-8 w-32" />
      <div className="flex items-center gap-4">
        <Skeleton className="size-14 rounded-xl" />
        <div className="space-y-2">
          <Skeleton className="h-7 w-56" />
          <Skeleton className="h-4 w-72" />
        </div>
      </div>
      <Card className="space-y-5 p-5">
        {["a", "b", "c"].map((key) => (
          <div key={key} className="space-y-2">
            <Skeleton className="h-4 w-28" />
            <Skeleton className="h-9 w-full" />
          </div>
        ))}
      </Card>
    </div>
  );
}

function Step({ icon: Icon, title, children }: { icon: typeof Link2; title: string; children: ReactNode }) {
  return (
    <li className="flex gap-3">
      <span className="flex size-7 shrink-0 items-center justify-center rounded-md border bg-muted/50 text-muted-foreground">
        <Icon className="size-3.5" aria-hidden="true" />
      </span>
      <div className="space-y-0.5">
        <p className="text-sm font-medium">{title}</p>
        <p className="text-sm text-muted-foreground">{children}</p>
      </div>
    </li>
  );
}

/** Connect a catalog server: its per-user fields as a form, then on to the new connection's page. */
export function ConnectView({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const form = useQuery(trpc.connections.connectForm.queryOptions({ slug }));
  const create = useMutation(
    trpc.connections.create.mutationOptions({
      onSuccess: (connection) => {
        toast.success(`Connected ${connection.name}`, {
          description:
            connection.status === "CONFIGURED"
              ? "Copy its URL or a client snippet to start using it."
              : "One more step is needed before agents can use it.",
        });
        void queryClient.invalidateQueries({ queryKey: trpc.connections.list.pathKey() });
        router.push(`/connections/${connection.id}`);
      },
    }),
  );

  if (form.isPending) return <ConnectSkeleton />;
  if (form.isError && !form.data) {
    if (isNotFound(form.error)) return <ConnectUnavailable />;
    return (
      <div className="space-y-6">
        <BackToServer slug={slug} />
        <ErrorState
          title="Couldn't load the connect form"
          message={form.error.message}
          onRetry={() => void form.refetch()}
          isRetrying={form.isFetching}
        />
      </div>
    );
  }

  const { server, version, fields, suggestedName } = form.data;
  const hasFields = fields.length > 0;
  const isOAuth = version.upstreamAuth === "OAUTH";

  return (
    <div className="space-y-6" data-testid="connect-page">
      <BackToServer slug={server.slug} name={server.name} />
      <div className="flex items-start gap-4">
        <ServerIcon name={server.name} iconUrl={server.iconUrl} size="lg" className="hidden sm:flex" />
        <PageHeader
          className="min-w-0 flex-1"
          title={`Connect ${server.name}`}
          description={
            hasFields
              ? "Fill in your own settings for this server. They are used only for your connection; secrets are encrypted and never shown again."
              : "This server needs no settings from you. Create the connection and you'll get your personal URL and client snippets."
          }
        />
      </div>
      <dl className="flex flex-wrap gap-x-6 gap-y-1 text-sm">
        <div className="flex gap-1.5 text-muted-foreground">
          <dt>Version</dt>
          <dd className="font-mono text-xs leading-5 text-foreground">{version.version}</dd>
        </div>
        <div className="flex gap-1.5 text-muted-foreground">
          <dt>Runs as</dt>
          <dd className="text-foreground">{TRANSPORT_LABELS[version.transport]}</dd>
        </div>
      </dl>

      <div className="grid items-start gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <Card>
          <CardContent>
            <ConfigurationForm
              mode="create"
              fields={fields}
              initialName={suggestedName}
              namePlaceholder={suggestedName}
              emptyNote={
                <div
                  className="flex gap-3 rounded-lg border border-dashed p-4 text-sm text-muted-foreground"
                  data-testid="no-configuration"
                >
                  <Sparkles className="mt-0.5 size-4 shrink-0 text-primary" aria-hidden="true" />
                  <p>Nothing to configure: the publisher set everything this server needs.</p>
                </div>
              }
              isPending={create.isPending}
              error={create.error}
              submitLabel={hasFields ? "Connect" : "Create connection"}
              pendingLabel="Connecting…"
              onSubmit={({ name, values }) =>
                create.mutate({ slug: server.slug, name: name || undefined, values })
              }
              testId="connect-form"
            />
          </CardContent>
        </Card>

        <Card className="lg:sticky lg:top-20">
          <CardHeader>
            <CardTitle as="h2">What you get</CardTitle>
          </CardHeader>
          <CardContent>
            <ol className="space-y-4">
              <Step icon={Link2} title="Your own connection URL">
                Unique to this connection. It only works together with one of your tokens.
              </Step>
              <Step icon={Code2} title="Ready-made client setup">
                Snippets for Claude Code, Cursor, VS Code, Windsurf and Claude Desktop.
              </Step>
              <Step icon={LockKeyhole} title="Secrets stay sealed">
                Stored encrypted, sent only to this server, never shown again. You can replace or clear them.
              </Step>
              {isOAuth && (
                <Step icon={KeyRound} title="Its own sign-in (not available yet)">
                  {server.name} signs people in with its own accounts (OAuth). Gatehouse cannot do that
                  sign-in for you yet, so agents cannot use this connection until it can; ask your
                  administrator.
                </Step>
              )}
            </ol>
          </CardContent>
        </Card>
      </div>
    </div>
  );
}
