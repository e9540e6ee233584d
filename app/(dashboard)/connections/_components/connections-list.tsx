"use client";

import { useQuery } from "@tanstack/react-query";
import { ArrowUpCircle, Cable, LibraryBig } from "lucide-react";
import Link from "next/link";
import { ConnectionStatusBadge } from "@/components/connections/connection-status";
import { pluralize } from "@/components/lib/format";
import type { RouterOutputs } from "@/components/lib/router-types";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { ServerIcon } from "@/components/ui/server-icon";
import { Skeleton } from "@/components/ui/skeleton";

type Connection = RouterOutputs["connections"]["list"][number];

function ListSkeleton() {
  return (
    <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3" aria-busy="true">
      <span className="sr-only" role="status">
        Loading your connections…
      </span>
      {["a", "b", "c"].map((key) => (
        <Card key={key} className="space-y-4 p-5">
          <div className="flex items-center gap-3">
            <Skeleton className="size-10 rounded-lg" />
            <div className="flex-1 space-y-1.5">
              <Skeleton className="h-4 w-32" />
              <Skeleton className="h-3 w-24" />
            </div>
          </div>
          <Skeleton className="h-3 w-full" />
        </Card>
      ))}
    </div>
  );
}

function ConnectionCard({ connection }: { connection: Connection }) {
  return (
    <li>
      <Card
        className="relative flex h-full flex-col gap-4 p-5 transition-colors focus-within:ring-[3px] focus-within:ring-ring/50 hover:bg-accent/40"
        data-testid="connection-card"
        data-connection-id={connection.id}
      >
        <div className="flex items-start gap-3">
          <ServerIcon name={connection.server.name} iconUrl={connection.server.iconUrl} />
          <div className="min-w-0 flex-1">
            {/* The whole card is the link's target area; the text stays the link's name. */}
            <Link
              href={`/connections/${connection.id}`}
              className="block truncate font-medium outline-none after:absolute after:inset-0 after:rounded-xl"
            >
              {connection.name}
            </Link>
            <p className="truncate text-sm text-muted-foreground">{connection.server.name}</p>
          </div>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <ConnectionStatusBadge status={connection.status} isAvailable={connection.isAvailable} />
          {connection.newerVersion && connection.isAvailable && (
            <Badge variant="outline" className="gap-1 font-normal" data-testid="update-available">
              <ArrowUpCircle aria-hidden="true" />
              Update available: {connection.newerVersion.version}
            </Badge>
          )}
        </div>
        {!connection.isAvailable && (
          <p className="text-sm text-muted-foreground">
            Access removed: Gatehouse refuses this connection until the server is shared with you again.
          </p>
        )}
        <dl className="mt-auto grid grid-cols-3 gap-2 border-t pt-3 text-xs">
          <div className="min-w-0">
            <dt className="text-muted-foreground">Version</dt>
            <dd className="truncate font-mono">{connection.version.version}</dd>
          </div>
          <div>
            <dt className="text-muted-foreground">Created</dt>
            <dd>
              <RelativeTime date={connection.createdAt} />
            </dd>
          </div>
          <div>
            <dt className="text-muted-foreground">Last used</dt>
            <dd>{connection.lastUsedAt ? <RelativeTime date={connection.lastUsedAt} /> : "Never"}</dd>
          </div>
        </dl>
      </Card>
    </li>
  );
}

/** The signed-in user's connections, newest first. */
export function ConnectionsList() {
  const trpc = useTRPC();
  const connections = useQuery(trpc.connections.list.queryOptions());

  if (connections.isPending) return <ListSkeleton />;
  if (connections.isError && !connections.data) {
    return (
      <ErrorState
        title="Couldn't load your connections"
        message={connections.error.message}
        onRetry={() => void connections.refetch()}
        isRetrying={connections.isFetching}
      />
    );
  }
  if (connections.data.length === 0) {
    return (
      <Card>
        <EmptyState
          className="py-16"
          icon={Cable}
          title="No connections yet"
          description="Connect a server from the catalog to get your personal connection URL and ready-made setup for Claude Code, Cursor, VS Code and more."
          action={
            <Button asChild>
              <Link href="/catalog">
                <LibraryBig aria-hidden="true" />
                Browse the catalog
              </Link>
            </Button>
          }
          data-testid="connections-empty"
        />
      </Card>
    );
  }

  const needAttention = connections.data.filter((c) => !c.isAvailable || c.status !== "CONFIGURED").length;
  return (
    <section aria-label="Your connections" className="space-y-3">
      <p className="text-sm text-muted-foreground">
        {pluralize(connections.data.length, "connection")}
        {needAttention > 0 ? `, ${pluralize(needAttention, "needs", "need")} attention` : ""}
      </p>
      <ul className="grid gap-4 md:grid-cols-2 xl:grid-cols-3" data-testid="connections-list">
        {connections.data.map((connection) => (
          <ConnectionCard key={connection.id} connection={connection} />
        ))}
      </ul>
    </section>
  );
}
