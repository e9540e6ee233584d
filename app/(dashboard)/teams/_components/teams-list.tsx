"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { SearchX, UsersRound } from "lucide-react";
import Link from "next/link";
import { type ReactNode, useState } from "react";
import { formatNumber } from "@/components/lib/format";
import { useDebouncedValue } from "@/components/lib/use-debounced-value";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { SearchInput } from "@/components/ui/search-input";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { CreateTeamDialog } from "./create-team-dialog";
import { TeamSourceBadge } from "./team-source";

/** Every team with where its members come from and how many there are; search by name. */
export function TeamsList({ canManage }: { canManage: boolean }) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const debouncedSearch = useDebouncedValue(search.trim());
  const teams = useQuery({
    ...trpc.teams.list.queryOptions({ search: debouncedSearch || undefined }),
    placeholderData: keepPreviousData,
  });

  let body: ReactNode;
  if (teams.isPending) {
    body = (
      <div className="space-y-4 border-t px-5 py-5">
        {["a", "b", "c"].map((key) => (
          <div key={key} className="flex items-center gap-4">
            <div className="w-64 space-y-1.5">
              <Skeleton className="h-4 w-32" />
              <Skeleton className="h-3 w-52" />
            </div>
            <Skeleton className="h-5 w-40" />
            <Skeleton className="ml-auto h-4 w-12" />
          </div>
        ))}
      </div>
    );
  } else if (teams.isError && !teams.data) {
    body = (
      <div className="border-t p-5">
        <ErrorState
          title="Couldn't load the teams"
          message={teams.error.message}
          onRetry={() => void teams.refetch()}
          isRetrying={teams.isFetching}
        />
      </div>
    );
  } else if (teams.data.length === 0 && debouncedSearch) {
    body = (
      <EmptyState
        className="border-t"
        icon={SearchX}
        title="No teams match"
        description={`No team name contains "${debouncedSearch}".`}
        action={
          <Button variant="outline" size="sm" onClick={() => setSearch("")}>
            Clear search
          </Button>
        }
      />
    );
  } else if (teams.data.length === 0) {
    body = (
      <EmptyState
        className="border-t"
        icon={UsersRound}
        title="No teams yet"
        description={
          canManage
            ? "Create a team to grant a registry to several people at once, or sync one from an identity provider group."
            : "An administrator creates teams, either by hand or synced from a group in your identity provider."
        }
        action={
          canManage ? (
            <CreateTeamDialog
              variant="outline"
              label="Create the first team"
              testId="create-first-team-button"
            />
          ) : undefined
        }
      />
    );
  } else {
    body = (
      <div className={cn("border-t transition-opacity", teams.isPlaceholderData && "opacity-60")}>
        <Table data-testid="teams-table">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Team</TableHead>
              <TableHead>Source</TableHead>
              <TableHead className="text-right">Members</TableHead>
              <TableHead className="hidden text-right md:table-cell">Created</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {teams.data.map((team) => (
              <TableRow
                key={team.id}
                data-testid="team-row"
                data-name={team.name}
                data-source={team.source.toLowerCase()}
                className="relative"
              >
                <TableCell className="max-w-md">
                  {/* The link covers the whole row (after:inset-0) so the row is one click target. */}
                  <Link
                    href={`/teams/${team.id}`}
                    className="font-medium outline-none after:absolute after:inset-0 hover:underline focus-visible:underline"
                  >
                    {team.name}
                  </Link>
                  <p className="truncate text-xs text-muted-foreground">
                    {team.description || <span className="font-mono">{team.slug}</span>}
                  </p>
                </TableCell>
                <TableCell className="max-w-72">
                  <TeamSourceBadge source={team.source} externalId={team.externalId} />
                </TableCell>
                <TableCell className="text-right tabular-nums">{formatNumber(team.memberCount)}</TableCell>
                <TableCell className="hidden whitespace-nowrap text-right text-muted-foreground md:table-cell">
                  <RelativeTime date={team.createdAt} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
    );
  }

  return (
    <Card data-testid="teams">
      <div className="p-4">
        <SearchInput
          wrapperClassName="max-w-md"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          placeholder="Search teams"
          aria-label="Search teams"
        />
      </div>
      {body}
    </Card>
  );
}
