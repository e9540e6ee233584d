"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  ArrowUpCircle,
  CircleAlert,
  CircleCheck,
  KeyRound,
  type LucideIcon,
  ShieldOff,
  Unplug,
} from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type ReactNode, useState } from "react";
import { toast } from "sonner";
import { ClientSnippetsPanel } from "@/components/connections/client-snippets-panel";
import { ConnectionStatusBadge } from "@/components/connections/connection-status";
import { isNotFound } from "@/components/lib/errors";
import { pluralize } from "@/components/lib/format";
import type { RouterOutputs } from "@/components/lib/router-types";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { BackLink } from "@/components/ui/back-link";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { CopyField } from "@/components/ui/copy-field";
import { ErrorState } from "@/components/ui/error-state";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { ServerIcon } from "@/components/ui/server-icon";
import { Skeleton } from "@/components/ui/skeleton";
import { ConfigurationCard } from "./configuration-card";
import { ConnectionMissing } from "./connection-missing";

type Detail = RouterOutputs["connections"]["get"];

const TRANSPORT_LABELS = {
  STREAMABLE_HTTP: "Remote (streamable HTTP)",
  SSE: "Remote (SSE)",
  STDIO: "Run by Gatehouse",
} as const;

function DetailSkeleton() {
  return (
    <div className="space-y-6" aria-busy="true">
      <span className="sr-only" role="status">
        Loading the connection…
      </span>
      <Skeleton className="h-8 w-36" />
      <div className="flex items-center gap-4">
        <Skeleton className="size-14 rounded-xl" />
        <div className="space-y-2">
          <Skeleton className="h-7 w-48" />
          <Skeleton className="h-4 w-64" />
        </div>
      </div>
      <Skeleton className="h-16 w-full rounded-lg" />
      <Card className="space-y-3 p-5">
        <Skeleton className="h-4 w-32" />
        <Skeleton className="h-9 w-full" />
      </Card>
      <Card className="space-y-3 p-5">
        <Skeleton className="h-4 w-40" />
        <Skeleton className="h-40 w-full" />
      </Card>
    </div>
  );
}

type Tone = "success" | "warning" | "danger";

const TONES: Record<Tone, string> = {
  success: "border-success/25 bg-success/5 [&_[data-icon]]:text-success",
  warning:
    "border-warning/40 bg-warning/10 [&_[data-icon]]:text-warning-foreground dark:[&_[data-icon]]:text-warning",
  danger: "border-destructive/30 bg-destructive/5 [&_[data-icon]]:text-destructive",
};

function Callout({
  tone,
  icon: Icon,
  title,
  children,
  action,
  testId,
}: {
  tone: Tone;
  icon: LucideIcon;
  title: string;
  children: ReactNode;
  action?: ReactNode;
  testId?: string;
}) {
  return (
    <div
      className={cn("flex flex-col gap-3 rounded-lg border p-4 sm:flex-row sm:items-center", TONES[tone])}
      data-testid={testId}
    >
      <div className="flex min-w-0 flex-1 gap-3">
        <Icon data-icon="" className="mt-0.5 size-5 shrink-0" aria-hidden="true" />
        <div className="min-w-0 space-y-0.5">
          <p className="text-sm font-medium">{title}</p>
          <div className="text-sm text-muted-foreground">{children}</div>
        </div>
      </div>
      {action && <div className="shrink-0 sm:ml-2">{action}</div>}
    </div>
  );
}

/** What state the connection is in and what to do about it. */
function StatusCallout({ detail, onEdit }: { detail: Detail; onEdit: () => void }) {
  if (!detail.isAvailable) {
    return (
      <Callout
        tone="danger"
        icon={ShieldOff}
        title="No longer available: access removed"
        testId="status-callout"
      >
        No registry grants you {detail.server.name} any more, so Gatehouse refuses requests to this
        connection. Ask whoever manages your registries to share it with you again, or disconnect it.
      </Callout>
    );
  }
  const missingLabels = detail.fields
    .filter((f) => detail.missingFields.includes(f.name))
    .map((f) => f.label);
  switch (detail.status) {
    case "NEEDS_CONFIGURATION":
      return (
        <Callout
          tone="warning"
          icon={CircleAlert}
          title="Needs configuration"
          testId="status-callout"
          action={
            missingLabels.length > 0 ? (
              <Button size="sm" onClick={onEdit}>
                Fill in settings
              </Button>
            ) : undefined
          }
        >
          {missingLabels.length > 0
            ? `Agents can't use this connection until you set ${missingLabels.join(", ")}.`
            : "The server's publisher still has to complete its shared settings. Agents can't use this connection until then."}
        </Callout>
      );
    case "UPSTREAM_AUTH_NEEDED":
      return (
        <Callout tone="warning" icon={KeyRound} title="Upstream authorization needed" testId="status-callout">
          {detail.server.name} signs people in with its own accounts (OAuth). Gatehouse cannot do that sign-in
          for you yet, so agents cannot use this connection until it can; ask your administrator.
        </Callout>
      );
    case "CONFIGURED":
      return (
        <Callout tone="success" icon={CircleCheck} title="Ready to use" testId="status-callout">
          Add the URL below to your MCP client, together with one of your personal tokens.
        </Callout>
      );
  }
}

/** One connection: its URL, client snippets, configuration, version and disconnecting it. */
export function ConnectionDetailView({ connectionId }: { connectionId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const connection = useQuery(trpc.connections.get.queryOptions({ connectionId }));
  const [isEditing, setIsEditing] = useState(false);
  const [isDisconnectOpen, setIsDisconnectOpen] = useState(false);
  const [isMoveOpen, setIsMoveOpen] = useState(false);

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.connections.get.queryKey({ connectionId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.connections.list.pathKey() });
  };

  const disconnect = useMutation(
    trpc.connections.delete.mutationOptions({
      onSuccess: () => {
        toast.success("Disconnected", {
          description: `${connection.data?.name ?? "The connection"} and its stored secrets are gone.`,
        });
        setIsDisconnectOpen(false);
        // Only the list: refetching this connection now would just answer 404 while the page leaves.
        void queryClient.invalidateQueries({ queryKey: trpc.connections.list.pathKey() });
        router.push("/connections");
      },
      onError: (error) => toast.error("Couldn't disconnect", { description: error.message }),
    }),
  );
  const move = useMutation(
    trpc.connections.moveToLatest.mutationOptions({
      onSuccess: (result) => {
        setIsMoveOpen(false);
        refresh();
        if (result.missingFields.length > 0) {
          toast.warning(`Moved to version ${result.version}`, {
            description: `It needs ${pluralize(result.missingFields.length, "new setting")} before agents can use it.`,
          });
          setIsEditing(true);
        } else {
          toast.success(`Moved to version ${result.version}`);
        }
      },
      onError: (error) => toast.error("Couldn't move the connection", { description: error.message }),
    }),
  );

  if (connection.isPending) return <DetailSkeleton />;
  if (connection.isError && !connection.data) {
    if (isNotFound(connection.error)) return <ConnectionMissing />;
    return (
      <div className="space-y-6">
        <BackLink href="/connections">All connections</BackLink>
        <ErrorState
          title="Couldn't load the connection"
          message={connection.error.message}
          onRetry={() => void connection.refetch()}
          isRetrying={connection.isFetching}
        />
      </div>
    );
  }

  const detail = connection.data;
  const startEditing = () => {
    setIsEditing(true);
    requestAnimationFrame(() =>
      document.getElementById("configuration")?.scrollIntoView({ behavior: "smooth", block: "start" }),
    );
  };

  return (
    <div className="space-y-6" data-testid="connection-detail">
      <BackLink href="/connections">All connections</BackLink>
      <div className="flex items-start gap-4">
        <ServerIcon
          name={detail.server.name}
          iconUrl={detail.server.iconUrl}
          size="lg"
          className="hidden sm:flex"
        />
        <PageHeader
          className="min-w-0 flex-1"
          title={<span className="break-words">{detail.name}</span>}
          description={
            <>
              {detail.isAvailable ? (
                <Link
                  href={`/catalog/${encodeURIComponent(detail.server.slug)}`}
                  className="font-medium text-foreground underline-offset-4 hover:underline"
                >
                  {detail.server.name}
                </Link>
              ) : (
                <span className="font-medium text-foreground">{detail.server.name}</span>
              )}{" "}
              · version <span className="font-mono text-xs">{detail.version.version}</span>
              <ConnectionStatusBadge
                status={detail.status}
                isAvailable={detail.isAvailable}
                className="ml-2 align-middle"
              />
            </>
          }
          actions={
            <Button
              variant="outline"
              onClick={() => setIsDisconnectOpen(true)}
              data-testid="disconnect-button"
            >
              <Unplug aria-hidden="true" />
              Disconnect
            </Button>
          }
        />
      </div>

      <StatusCallout detail={detail} onEdit={startEditing} />

      {detail.newerVersion && detail.isAvailable && (
        <Callout
          tone="warning"
          icon={ArrowUpCircle}
          title={`Version ${detail.newerVersion.version} is available`}
          testId="newer-version"
          action={
            <Button
              size="sm"
              variant="outline"
              onClick={() => setIsMoveOpen(true)}
              data-testid="move-version-button"
            >
              Move to version {detail.newerVersion.version}
            </Button>
          }
        >
          This connection keeps using version {detail.version.version} until you move it.
        </Callout>
      )}

      <Card data-testid="connection-url-card">
        <CardHeader>
          <CardTitle as="h2">Connection URL</CardTitle>
          <CardDescription>
            Give this address to your MCP client. It only works with a token of yours: requests must carry{" "}
            <code className="font-mono text-xs text-foreground">Authorization: Bearer &lt;token&gt;</code>.{" "}
            <Link href="/tokens" className="font-medium text-primary underline-offset-4 hover:underline">
              Create a token on the Tokens page
            </Link>
            .
          </CardDescription>
        </CardHeader>
        <CardContent>
          <CopyField value={detail.url} label="Connection URL" testId="connection-url" />
        </CardContent>
      </Card>

      <Card data-testid="client-setup">
        <CardHeader>
          <CardTitle as="h2">Set up your client</CardTitle>
          <CardDescription>Ready-made configuration for the common MCP clients.</CardDescription>
        </CardHeader>
        <CardContent>
          <ClientSnippetsPanel name={detail.name} url={detail.url} />
        </CardContent>
      </Card>

      <ConfigurationCard
        detail={detail}
        isEditing={isEditing}
        onEditingChange={setIsEditing}
        onSaved={refresh}
      />

      <Card>
        <CardHeader>
          <CardTitle as="h2">Details</CardTitle>
        </CardHeader>
        <CardContent>
          <dl className="grid grid-cols-2 gap-4 text-sm lg:grid-cols-4">
            <div>
              <dt className="text-muted-foreground">Server</dt>
              <dd className="truncate font-medium">{detail.server.name}</dd>
            </div>
            <div>
              <dt className="text-muted-foreground">Runs as</dt>
              <dd>{TRANSPORT_LABELS[detail.transport]}</dd>
            </div>
            <div>
              <dt className="text-muted-foreground">Created</dt>
              <dd>
                <RelativeTime date={detail.createdAt} />
              </dd>
            </div>
            <div>
              <dt className="text-muted-foreground">Last used</dt>
              <dd>{detail.lastUsedAt ? <RelativeTime date={detail.lastUsedAt} /> : "Never"}</dd>
            </div>
          </dl>
        </CardContent>
      </Card>

      <ConfirmDialog
        open={isDisconnectOpen}
        onOpenChange={setIsDisconnectOpen}
        title={`Disconnect ${detail.name}?`}
        description="The connection URL stops working at once, and the settings and secrets you stored for this connection are deleted. Agents using it lose access. This cannot be undone; you can connect the server again later."
        confirmLabel="Disconnect"
        pendingLabel="Disconnecting…"
        isDestructive
        isPending={disconnect.isPending}
        onConfirm={() => disconnect.mutate({ connectionId })}
      />
      {detail.newerVersion && (
        <ConfirmDialog
          open={isMoveOpen}
          onOpenChange={setIsMoveOpen}
          title={`Move to version ${detail.newerVersion.version}?`}
          description={`Your settings carry over where version ${detail.newerVersion.version} still has the same fields. Settings it no longer has are dropped, and new required ones must be filled in before agents can use the connection. The URL stays the same.`}
          confirmLabel="Move"
          pendingLabel="Moving…"
          isPending={move.isPending}
          onConfirm={() => move.mutate({ connectionId })}
        />
      )}
    </div>
  );
}
