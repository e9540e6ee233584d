"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Globe, Server, ShieldCheck, TriangleAlert } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { isNotFound } from "@/components/lib/errors";
import { formatNumber, pluralize } from "@/components/lib/format";
import { filterPeople } from "@/components/lib/people-filter";
import { useDebouncedValue } from "@/components/lib/use-debounced-value";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { FilteredEmptyRow } from "@/components/ui/filtered-empty-row";
import { SearchInput } from "@/components/ui/search-input";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { ROLE_LABELS } from "@/server/policy/permissions";
import { SCOPE_LABELS, SERVER_STATUS_LABELS } from "./labels";
import { ToolsCell, ViaList } from "./via-list";

export function PanelSkeleton({ label }: { label: string }) {
  return (
    <Card className="space-y-5 p-5" aria-busy="true">
      <span className="sr-only" role="status">
        {label}
      </span>
      <div className="space-y-2">
        <Skeleton className="h-5 w-56" />
        <Skeleton className="h-3 w-72" />
      </div>
      {["a", "b", "c", "d"].map((key) => (
        <div key={key} className="flex items-center gap-4">
          <div className="w-48 space-y-1.5">
            <Skeleton className="h-4 w-32" />
            <Skeleton className="h-3 w-44" />
          </div>
          <Skeleton className="h-4 w-40" />
          <Skeleton className="ml-auto h-4 w-16" />
        </div>
      ))}
    </Card>
  );
}

/** "Who can reach this server?": every active person, and the registry grants they reach it through. */
export function WhoCanReachPanel({
  serverId,
  onShowUser,
}: {
  serverId: string | null;
  onShowUser: (userId: string) => void;
}) {
  const trpc = useTRPC();
  const [filter, setFilter] = useState("");
  const answer = useQuery({
    ...trpc.access.whoCanReach.queryOptions({ serverId: serverId ?? "" }),
    enabled: serverId !== null,
  });
  // Past the first WHO_CAN_REACH_CAP people the filter asks the server, which searches them all.
  const search = useDebouncedValue(filter.trim());
  const isTruncated = answer.data !== undefined && answer.data.total > answer.data.users.length;
  const searched = useQuery({
    ...trpc.access.whoCanReach.queryOptions({ serverId: serverId ?? "", search }),
    enabled: serverId !== null && isTruncated && search !== "",
    placeholderData: keepPreviousData,
  });

  if (serverId === null) {
    return (
      <Card>
        <EmptyState
          className="py-16"
          icon={ShieldCheck}
          title="Pick a server"
          description="See every person who can reach it right now, through which registry (directly, as a team member, or as everyone), and which of its tools they may call."
        />
      </Card>
    );
  }
  if (answer.isPending) return <PanelSkeleton label="Working out who can reach the server…" />;
  if (answer.isError) {
    return (
      <ErrorState
        title={
          isNotFound(answer.error) ? "This server no longer exists" : "Couldn't work out who can reach it"
        }
        message={answer.error.message}
        onRetry={isNotFound(answer.error) ? undefined : () => void answer.refetch()}
        isRetrying={answer.isFetching}
      />
    );
  }

  const { server, users, total, everyone, grants, blockedReason } = answer.data;
  const { needle, shown, isSearching } = filterPeople({
    filter,
    search,
    loaded: users,
    isTruncated,
    searched: { people: searched.data?.users, isFetching: searched.isFetching },
  });

  return (
    <div className="min-w-0 space-y-4" data-testid="who-can-reach" data-server={server.slug}>
      <Card>
        <CardHeader className="pb-5">
          <div className="flex min-w-0 items-start gap-3">
            <div className="flex size-9 shrink-0 items-center justify-center rounded-md border bg-muted/60 text-muted-foreground">
              <Server className="size-4" aria-hidden="true" />
            </div>
            <div className="min-w-0 space-y-1">
              <CardTitle as="h2" className="text-base">
                {server.name}
              </CardTitle>
              <div className="flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
                <span className="font-mono">{server.slug}</span>
                <Badge variant="outline" className="font-normal">
                  {SCOPE_LABELS[server.scope]}
                </Badge>
                <Badge
                  variant={server.status === "APPROVED" ? "success" : "secondary"}
                  className="font-normal"
                >
                  {SERVER_STATUS_LABELS[server.status]}
                </Badge>
                <span>Owner: {server.owner.name ?? server.owner.email}</span>
              </div>
            </div>
          </div>
        </CardHeader>
        <div className="space-y-3 border-t px-5 py-4">
          <p className="text-sm" data-testid="reach-total">
            {total === 0 ? (
              <span className="font-medium">Nobody can reach this server.</span>
            ) : (
              <>
                <span className="font-semibold">{pluralize(total, "person", "people")}</span> can reach this
                server
                {server.scope === "PERSONAL" ? ": it is a personal server, usable only by its owner." : "."}
              </>
            )}
          </p>
          {blockedReason && (
            <div
              className="flex gap-2 rounded-lg border border-warning/30 bg-warning/10 p-3 text-sm"
              role="note"
            >
              <TriangleAlert
                className="mt-0.5 size-4 shrink-0 text-warning-foreground dark:text-warning"
                aria-hidden="true"
              />
              <p>{blockedReason}</p>
            </div>
          )}
          {everyone.length > 0 && (
            <div
              className="flex gap-2 rounded-lg border border-warning/30 bg-warning/10 p-3 text-sm"
              data-testid="granted-to-everyone"
            >
              <Globe
                className="mt-0.5 size-4 shrink-0 text-warning-foreground dark:text-warning"
                aria-hidden="true"
              />
              <p>
                <span className="font-medium">Granted to everyone</span> through{" "}
                {everyone.map((grant, index) => (
                  <span key={grant.registryId}>
                    {index > 0 && ", "}
                    <Link
                      href={`/registries/${grant.registryId}`}
                      className="font-medium underline-offset-2 hover:underline"
                    >
                      {grant.registryName}
                    </Link>
                    {grant.allowedTools && ` (only ${grant.allowedTools.join(", ")})`}
                  </span>
                ))}
                : every active user reaches it, including people who join later.
              </p>
            </div>
          )}
          {grants.length > 0 && (
            <div className="space-y-1.5">
              <p className="text-xs font-medium text-muted-foreground uppercase tracking-wide">Granted by</p>
              <ul className="space-y-1 text-sm" data-testid="granting-registries">
                {grants.map((grant) => (
                  <li key={grant.registryId} className="flex flex-wrap items-baseline gap-x-2">
                    <Link href={`/registries/${grant.registryId}`} className="font-medium hover:underline">
                      {grant.registryName}
                    </Link>
                    <span className="text-muted-foreground">
                      to {grant.subjects.length === 0 ? "nobody yet" : grant.subjects.join(", ")}
                    </span>
                    <span className="text-xs text-muted-foreground">
                      ·{" "}
                      {grant.allowedTools ? (
                        <span className="font-mono">{grant.allowedTools.join(", ")}</span>
                      ) : (
                        "all tools"
                      )}
                    </span>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {grants.length === 0 && server.scope === "SHARED" && (
            <p className="text-sm text-muted-foreground">No registry grants this server.</p>
          )}
        </div>
      </Card>

      {users.length > 0 && (
        <Card>
          <CardHeader className="flex-wrap gap-3 pb-4 sm:flex-row sm:items-center sm:justify-between">
            <div className="space-y-1">
              <CardTitle as="h3">People</CardTitle>
              <CardDescription>
                {isTruncated && needle && searched.data?.matching != null
                  ? `${pluralize(searched.data.matching, "person matches", "people match")}${searched.data.matching > searched.data.users.length ? `; the first ${formatNumber(searched.data.users.length)}, by name` : ""}.`
                  : isTruncated
                    ? `The first ${formatNumber(users.length)} of ${formatNumber(total)}, by name; the filter searches them all.`
                    : "Active users only: deactivated people reach nothing."}
              </CardDescription>
            </div>
            <SearchInput
              wrapperClassName="w-full sm:w-64"
              value={filter}
              onChange={(event) => setFilter(event.target.value)}
              placeholder="Filter people"
              aria-label="Filter people"
              className="h-8"
            />
          </CardHeader>
          <div className="border-t">
            <Table data-testid="reach-users">
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead>Person</TableHead>
                  <TableHead className="hidden md:table-cell">Role</TableHead>
                  <TableHead>Through</TableHead>
                  <TableHead className="hidden sm:table-cell">Tools</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {shown.map((user) => (
                  <TableRow key={user.id} data-testid="reach-user" data-email={user.email}>
                    <TableCell className="max-w-56 align-top">
                      <button
                        type="button"
                        className="block max-w-full truncate text-left font-medium hover:underline"
                        onClick={() => onShowUser(user.id)}
                        title="What can this person reach?"
                      >
                        {user.name ?? user.email}
                      </button>
                      {user.name && <p className="truncate text-xs text-muted-foreground">{user.email}</p>}
                    </TableCell>
                    <TableCell className="hidden whitespace-nowrap align-top md:table-cell">
                      {ROLE_LABELS[user.role]}
                    </TableCell>
                    <TableCell className="max-w-80 align-top">
                      {user.isPersonalOwner ? (
                        <span className="text-xs text-muted-foreground">Owner of this personal server</span>
                      ) : (
                        <ViaList via={user.via} />
                      )}
                      {/* On a phone the tools sit under the grants instead of in a column of their own. */}
                      <div className="mt-2 sm:hidden">
                        <ToolsCell tools={user.allowedTools} />
                      </div>
                    </TableCell>
                    <TableCell className="hidden align-top sm:table-cell">
                      <ToolsCell tools={user.allowedTools} />
                    </TableCell>
                  </TableRow>
                ))}
                {shown.length === 0 && (
                  <FilteredEmptyRow
                    colSpan={4}
                    isSearching={isSearching}
                    searchingText="Searching everyone who can reach it…"
                    failure={searched.isError && isTruncated ? searched.error.message : null}
                    noMatchText={`Nobody who can reach it matches "${filter.trim()}".`}
                  />
                )}
              </TableBody>
            </Table>
          </div>
        </Card>
      )}
    </div>
  );
}
