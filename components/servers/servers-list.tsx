"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { FileJson, Plus, SearchX, ServerCog } from "lucide-react";
import Link from "next/link";
import { type ReactNode, useState } from "react";
import { pluralize } from "@/components/lib/format";
import { useDebouncedValue } from "@/components/lib/use-debounced-value";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { NativeSelect } from "@/components/ui/native-select";
import { RelativeTime } from "@/components/ui/relative-time";
import { SearchInput } from "@/components/ui/search-input";
import { ServerIcon } from "@/components/ui/server-icon";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { type ManagedServerRow, personName, type ServerStatus, STATUS_LABELS } from "./labels";
import { HealthLabel, ScopeBadge, StatusBadge } from "./status-badges";

const STATUSES = Object.keys(STATUS_LABELS) as ServerStatus[];

function ListSkeleton() {
  return (
    <Card className="divide-y" aria-busy="true">
      <span className="sr-only" role="status">
        Loading servers…
      </span>
      {["a", "b", "c", "d"].map((key) => (
        <div key={key} className="flex items-center gap-4 px-5 py-4">
          <Skeleton className="size-8 rounded-md" />
          <div className="flex-1 space-y-1.5">
            <Skeleton className="h-4 w-40" />
            <Skeleton className="h-3 w-24" />
          </div>
          <Skeleton className="h-5 w-24" />
          <Skeleton className="hidden h-4 w-20 md:block" />
          <Skeleton className="hidden h-4 w-16 md:block" />
        </div>
      ))}
    </Card>
  );
}

/** "Publish a server" and "Import server.json", the list's two ways in. */
export function PublishActions({ size = "default" }: { size?: "default" | "sm" }) {
  return (
    <>
      <Button variant="outline" size={size} asChild>
        <Link href="/servers/import" data-testid="import-link">
          <FileJson aria-hidden="true" />
          Import server.json
        </Link>
      </Button>
      <Button size={size} asChild>
        <Link href="/servers/new" data-testid="publish-link">
          <Plus aria-hidden="true" />
          Publish a server
        </Link>
      </Button>
    </>
  );
}

function VersionsCell({ server }: { server: ManagedServerRow }) {
  return (
    <div className="space-y-1">
      {server.approvedVersion ? (
        <span className="font-mono text-xs">v{server.approvedVersion.version}</span>
      ) : (
        <span className="text-xs text-muted-foreground">None approved</span>
      )}
      {server.pendingVersionCount > 0 && (
        <div>
          <Badge variant="warning" className="font-normal">
            {pluralize(server.pendingVersionCount, "pending")}
          </Badge>
        </div>
      )}
    </div>
  );
}

function ServerRow({ server, showOwner }: { server: ManagedServerRow; showOwner: boolean }) {
  return (
    <TableRow className="relative" data-testid="server-row" data-slug={server.slug} data-id={server.id}>
      <TableCell className="max-w-0 min-w-56 sm:w-[40%]">
        <div className="flex items-center gap-3">
          <ServerIcon name={server.name} iconUrl={server.iconUrl} size="sm" />
          <div className="min-w-0">
            {/* The link covers the row, so the whole row opens the server. */}
            <Link
              href={`/servers/${server.id}`}
              className="block truncate font-medium outline-none after:absolute after:inset-0 hover:underline focus-visible:underline"
            >
              {server.name}
            </Link>
            <p className="truncate font-mono text-xs text-muted-foreground">
              {server.slug}
              {showOwner && <span className="font-sans"> · {personName(server.owner)}</span>}
            </p>
          </div>
        </div>
      </TableCell>
      <TableCell>
        <div className="flex flex-wrap gap-1.5">
          <StatusBadge status={server.status} />
          <ScopeBadge scope={server.scope} />
        </div>
      </TableCell>
      <TableCell className="hidden md:table-cell">
        <VersionsCell server={server} />
      </TableCell>
      <TableCell className="hidden text-sm lg:table-cell">
        {server.status === "APPROVED" ? (
          <HealthLabel status={server.health.status} />
        ) : (
          <span className="text-muted-foreground">—</span>
        )}
      </TableCell>
      <TableCell className="hidden text-sm whitespace-nowrap text-muted-foreground md:table-cell">
        <RelativeTime date={server.updatedAt} />
      </TableCell>
    </TableRow>
  );
}

/** The servers someone published (or, for admins, every server), with search and a status filter. */
export function ServersList({
  isAdmin,
  currentUserId,
  initialScope = "mine",
}: {
  isAdmin: boolean;
  currentUserId: string;
  /** which servers the list opens on ("all" only for admins) */
  initialScope?: "mine" | "all";
}) {
  const trpc = useTRPC();
  const [scope, setScope] = useState<"mine" | "all">(isAdmin ? initialScope : "mine");
  const [status, setStatus] = useState<ServerStatus | "">("");
  const [searchText, setSearchText] = useState("");
  const search = useDebouncedValue(searchText.trim(), 300);
  const hasFilters = search !== "" || status !== "";
  const servers = useQuery({
    ...trpc.servers.list.queryOptions({
      scope,
      status: status || undefined,
      search: search || undefined,
    }),
    placeholderData: keepPreviousData,
  });
  const clear = () => {
    setSearchText("");
    setStatus("");
  };

  let body: ReactNode;
  if (servers.isPending) {
    body = <ListSkeleton />;
  } else if (servers.isError && !servers.data) {
    body = (
      <ErrorState
        title="Couldn't load the servers"
        message={servers.error.message}
        onRetry={() => void servers.refetch()}
        isRetrying={servers.isFetching}
      />
    );
  } else if (servers.data.length === 0 && hasFilters) {
    body = (
      <Card>
        <EmptyState
          icon={SearchX}
          title="No servers match"
          description={
            search
              ? `No ${status ? `${STATUS_LABELS[status].toLowerCase()} ` : ""}server's name, slug or tag matches "${search}".`
              : `No server is ${STATUS_LABELS[status as ServerStatus].toLowerCase()}.`
          }
          action={
            <Button variant="outline" size="sm" onClick={clear}>
              Clear filters
            </Button>
          }
        />
      </Card>
    );
  } else if (servers.data.length === 0) {
    body = (
      <Card data-testid="servers-empty">
        <EmptyState
          className="py-14"
          icon={ServerCog}
          title={scope === "all" ? "No servers in the catalog yet" : "You haven't published a server yet"}
          description={
            <>
              Publishing puts an MCP server behind Gatehouse, so agents reach it with a per-user URL and every
              call is checked and audited. A <strong className="font-medium text-foreground">personal</strong>{" "}
              server is visible only to you and works at once. A{" "}
              <strong className="font-medium text-foreground">shared</strong> server is reviewed by an admin
              and then reaches the people and teams a registry grants it to.
            </>
          }
          action={
            <div className="flex flex-wrap justify-center gap-2">
              <PublishActions size="sm" />
            </div>
          }
        />
      </Card>
    );
  } else {
    body = (
      <Card className={cn("overflow-hidden", servers.isPlaceholderData && "opacity-60 transition-opacity")}>
        <Table data-testid="servers-table">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Server</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="hidden md:table-cell">Approved version</TableHead>
              <TableHead className="hidden lg:table-cell">Health</TableHead>
              <TableHead className="hidden md:table-cell">Updated</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {servers.data.map((server) => (
              <ServerRow
                key={server.id}
                server={server}
                showOwner={scope === "all" && server.owner.id !== currentUserId}
              />
            ))}
          </TableBody>
        </Table>
      </Card>
    );
  }

  const showToolbar = hasFilters || (servers.data?.length ?? 0) > 0 || scope === "all";
  return (
    <div className="space-y-4" data-testid="servers">
      {(showToolbar || isAdmin) && (
        <div className="flex flex-col gap-3 sm:flex-row sm:items-center">
          {isAdmin && (
            <fieldset
              className="inline-flex w-fit shrink-0 rounded-lg border bg-muted/40 p-0.5"
              data-testid="scope-toggle"
            >
              <legend className="sr-only">Whose servers</legend>
              {(
                [
                  ["mine", "Mine"],
                  ["all", "All servers"],
                ] as const
              ).map(([value, label]) => (
                <button
                  key={value}
                  type="button"
                  aria-pressed={scope === value}
                  onClick={() => setScope(value)}
                  className={cn(
                    "h-8 rounded-md px-3 text-sm font-medium outline-none transition-colors focus-visible:ring-[3px] focus-visible:ring-ring/50",
                    scope === value
                      ? "bg-background text-foreground shadow-xs"
                      : "text-muted-foreground hover:text-foreground",
                  )}
                >
                  {label}
                </button>
              ))}
            </fieldset>
          )}
          {showToolbar && (
            <>
              <SearchInput
                wrapperClassName="w-full sm:max-w-sm"
                value={searchText}
                onChange={(event) => setSearchText(event.target.value)}
                placeholder="Search by name, slug or tag"
                aria-label="Search servers"
                maxLength={200}
                data-testid="servers-search"
              />
              <NativeSelect
                aria-label="Filter by status"
                value={status}
                onChange={(event) => setStatus(event.target.value as ServerStatus | "")}
                wrapperClassName="sm:w-48"
                data-testid="status-filter"
              >
                <option value="">All statuses</option>
                {STATUSES.map((value) => (
                  <option key={value} value={value}>
                    {STATUS_LABELS[value]}
                  </option>
                ))}
              </NativeSelect>
              {servers.data && servers.data.length > 0 && (
                <p className="text-sm text-muted-foreground sm:ml-auto" role="status">
                  {pluralize(servers.data.length, "server")}
                </p>
              )}
            </>
          )}
        </div>
      )}
      {body}
    </div>
  );
}
