"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Info, Trash2, UserMinus, UserPlus, UsersRound } from "lucide-react";
import { useRouter } from "next/navigation";
import { type ReactNode, useState } from "react";
import { toast } from "sonner";
import { isNotFound } from "@/components/lib/errors";
import { formatNumber, pluralize } from "@/components/lib/format";
import { filterPeople } from "@/components/lib/people-filter";
import type { RouterOutputs } from "@/components/lib/router-types";
import { useDebouncedValue } from "@/components/lib/use-debounced-value";
import { useTRPC } from "@/components/providers/trpc-provider";
import { BackLink } from "@/components/ui/back-link";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { FilteredEmptyRow } from "@/components/ui/filtered-empty-row";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { SearchInput } from "@/components/ui/search-input";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { ROLE_LABELS } from "@/server/policy/permissions";
import { AddMemberDialog } from "./add-member-dialog";
import { EditTeamDialog } from "./edit-team-dialog";
import { TeamMissing } from "./team-missing";
import { TeamSourceBadge } from "./team-source";

export type TeamDetail = RouterOutputs["teams"]["get"];
type Member = TeamDetail["members"][number];

/** A team this large gets a filter box above its members. */
const MEMBERS_BEFORE_FILTER = 10;

function memberName(member: { name: string | null; email: string }): string {
  return member.name?.trim() || member.email;
}

function AddMemberButton({
  variant = "default",
  onClick,
}: {
  variant?: "default" | "outline";
  onClick: () => void;
}) {
  return (
    <Button variant={variant} size="sm" data-testid="add-member-button" onClick={onClick}>
      <UserPlus aria-hidden="true" />
      Add member
    </Button>
  );
}

function DetailSkeleton() {
  return (
    <div className="space-y-8" aria-busy="true">
      <span className="sr-only" role="status">
        Loading the team…
      </span>
      <div className="space-y-2">
        <Skeleton className="h-7 w-48" />
        <Skeleton className="h-4 w-full max-w-lg" />
      </div>
      <Card className="space-y-4 p-5">
        <Skeleton className="h-4 w-24" />
        {["a", "b", "c"].map((key) => (
          <div key={key} className="flex items-center gap-4">
            <Skeleton className="h-4 w-48" />
            <Skeleton className="h-4 w-20" />
            <Skeleton className="ml-auto h-8 w-20" />
          </div>
        ))}
      </Card>
    </div>
  );
}

/** One team: what it is, where its members come from, and (for local teams) adding and removing them. */
export function TeamDetailView({
  teamId,
  canManage,
  canReadUsers,
}: {
  teamId: string;
  canManage: boolean;
  canReadUsers: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const team = useQuery(trpc.teams.get.queryOptions({ teamId }));
  // The page lists the first TEAM_MEMBERS_SHOWN members; past them the filter asks the server.
  const [filter, setFilter] = useState("");
  const search = useDebouncedValue(filter.trim());
  const isTruncated = team.data !== undefined && team.data.memberCount > team.data.members.length;
  const searched = useQuery({
    ...trpc.teams.get.queryOptions({ teamId, search }),
    enabled: isTruncated && search !== "",
    placeholderData: keepPreviousData,
  });
  const [removing, setRemoving] = useState<Member | null>(null);
  const [isRemoveOpen, setIsRemoveOpen] = useState(false);
  const [isDeleteOpen, setIsDeleteOpen] = useState(false);
  const [isAddOpen, setIsAddOpen] = useState(false);

  /** Members changed: the team's page shows the server's answer; lists elsewhere refetch. */
  const showTeam = (detail: TeamDetail) => {
    queryClient.setQueryData(trpc.teams.get.queryKey({ teamId }), detail);
    // A search of the members, if any, is asked again.
    void queryClient.invalidateQueries({ queryKey: trpc.teams.get.queryKey({ teamId, search }) });
    void queryClient.invalidateQueries({ queryKey: trpc.teams.list.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.users.list.pathKey() });
  };

  const removeMember = useMutation(
    trpc.teams.removeMember.mutationOptions({
      onSuccess: (detail) => {
        showTeam(detail);
        setIsRemoveOpen(false);
        if (removing) toast.success(`${memberName(removing)} removed from ${detail.name}`);
      },
      onError: (error) => toast.error("Couldn't remove the member", { description: error.message }),
    }),
  );
  const deleteTeam = useMutation(
    trpc.teams.delete.mutationOptions({
      onSuccess: () => {
        toast.success("Team deleted", { description: `${team.data?.name ?? "The team"} no longer exists.` });
        setIsDeleteOpen(false);
        // Only the lists: refetching this team now would just answer 404 while the page is leaving.
        void queryClient.invalidateQueries({ queryKey: trpc.teams.list.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.users.list.pathKey() });
        router.push("/teams");
      },
      onError: (error) => toast.error("Couldn't delete the team", { description: error.message }),
    }),
  );

  if (team.isPending) return <DetailSkeleton />;
  if (team.isError && !team.data) {
    // A malformed id is refused as bad input; to the person it is the same missing team.
    if (isNotFound(team.error) || team.error.data?.code === "BAD_REQUEST") return <TeamMissing />;
    return (
      <div className="space-y-6">
        <BackLink href="/teams">All teams</BackLink>
        <ErrorState
          title="Couldn't load the team"
          message={team.error.message}
          onRetry={() => void team.refetch()}
          isRetrying={team.isFetching}
        />
      </div>
    );
  }

  const detail = team.data;
  const isSynced = detail.source === "IDP";
  const mayEditMembers = canManage && !isSynced;
  const {
    needle,
    shown: shownMembers,
    isSearching,
  } = filterPeople({
    filter,
    search,
    loaded: detail.members,
    isTruncated,
    searched: { people: searched.data?.members, isFetching: searched.isFetching },
  });

  let members: ReactNode;
  if (detail.members.length === 0) {
    members = (
      <EmptyState
        className="border-t"
        icon={UsersRound}
        title="No members yet"
        description={
          isSynced
            ? `People in the group ${detail.externalId} join this team the next time they sign in.`
            : mayEditMembers
              ? "Add the people who should share this team's access."
              : "An administrator adds members to this team."
        }
        action={
          mayEditMembers && canReadUsers ? (
            <AddMemberButton variant="outline" onClick={() => setIsAddOpen(true)} />
          ) : undefined
        }
      />
    );
  } else {
    members = (
      <div className="border-t">
        <Table data-testid="team-members-table">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Member</TableHead>
              <TableHead>Role</TableHead>
              <TableHead className="hidden sm:table-cell">Added</TableHead>
              <TableHead className="hidden md:table-cell">How</TableHead>
              {mayEditMembers && (
                <TableHead className="w-24">
                  <span className="sr-only">Actions</span>
                </TableHead>
              )}
            </TableRow>
          </TableHeader>
          <TableBody>
            {shownMembers.map((member) => (
              <TableRow key={member.userId} data-testid="team-member-row" data-email={member.email}>
                <TableCell className="max-w-72">
                  <p className="truncate font-medium">{member.name ?? "—"}</p>
                  <p className="truncate text-xs text-muted-foreground">{member.email}</p>
                </TableCell>
                <TableCell className="whitespace-nowrap">{ROLE_LABELS[member.role]}</TableCell>
                <TableCell className="hidden whitespace-nowrap text-muted-foreground sm:table-cell">
                  <RelativeTime date={member.addedAt} />
                </TableCell>
                <TableCell className="hidden md:table-cell">
                  <Badge variant="secondary" className="font-normal">
                    {member.source === "IDP" ? "From identity provider" : "Added by hand"}
                  </Badge>
                </TableCell>
                {mayEditMembers && (
                  <TableCell className="text-right">
                    <Button
                      variant="outline"
                      size="sm"
                      aria-label={`Remove ${memberName(member)} from the team`}
                      onClick={() => {
                        setRemoving(member);
                        setIsRemoveOpen(true);
                      }}
                    >
                      <UserMinus aria-hidden="true" />
                      Remove
                    </Button>
                  </TableCell>
                )}
              </TableRow>
            ))}
            {shownMembers.length === 0 && (
              <FilteredEmptyRow
                colSpan={5}
                isSearching={isSearching}
                searchingText="Searching all members…"
                failure={searched.isError && isTruncated ? searched.error.message : null}
                noMatchText={`No member matches "${filter.trim()}".`}
              />
            )}
          </TableBody>
        </Table>
      </div>
    );
  }

  return (
    <div className="space-y-6" data-testid="team-detail" data-source={detail.source.toLowerCase()}>
      <BackLink href="/teams">All teams</BackLink>
      <PageHeader
        title={detail.name}
        description={detail.description || undefined}
        actions={
          canManage ? (
            <>
              <EditTeamDialog team={detail} onSaved={(row) => showTeam({ ...detail, ...row })} />
              <Button variant="outline" onClick={() => setIsDeleteOpen(true)}>
                <Trash2 aria-hidden="true" />
                Delete
              </Button>
            </>
          ) : undefined
        }
      />
      <dl className="flex flex-wrap items-center gap-x-6 gap-y-2 text-sm">
        <div className="flex min-w-0 items-center gap-2">
          <dt className="sr-only">Source</dt>
          <dd className="min-w-0">
            <TeamSourceBadge source={detail.source} externalId={detail.externalId} />
          </dd>
        </div>
        <div className="flex items-center gap-1.5 text-muted-foreground">
          <dt>Slug</dt>
          <dd className="font-mono text-xs text-foreground">{detail.slug}</dd>
        </div>
        <div className="flex items-center gap-1.5 text-muted-foreground">
          <dt>Created</dt>
          <dd className="text-foreground">
            <RelativeTime date={detail.createdAt} />
          </dd>
        </div>
      </dl>

      {isSynced && (
        <div
          data-testid="idp-managed-note"
          className="flex gap-3 rounded-lg border border-primary/20 bg-primary/5 p-4 text-sm"
        >
          <Info className="mt-0.5 size-4 shrink-0 text-primary" aria-hidden="true" />
          <div className="space-y-0.5">
            <p className="font-medium">Membership is managed by your identity provider</p>
            <p className="text-muted-foreground">
              This team mirrors the group{" "}
              <span className="font-mono text-foreground">{detail.externalId}</span>. Gatehouse adds people
              when they sign in as members of that group and removes them when they no longer are. To change
              who is in it, change the group in your identity provider.
            </p>
          </div>
        </div>
      )}

      <Card data-testid="team-members">
        <CardHeader className="flex-wrap pb-4">
          <div className="space-y-1">
            <CardTitle as="h2">Members</CardTitle>
            <CardDescription>
              {detail.memberCount > 0 ? `${pluralize(detail.memberCount, "person", "people")}. ` : ""}
              {isTruncated && needle && searched.data
                ? `${pluralize(searched.data.matchingCount, "member matches", "members match")}${searched.data.matchingCount > searched.data.members.length ? `; the first ${formatNumber(searched.data.members.length)}, by name` : ""}. `
                : isTruncated
                  ? `The first ${formatNumber(detail.members.length)}, by name; the filter searches them all. `
                  : ""}
              Registries that grant this team give access to everyone in it.
            </CardDescription>
          </div>
          {detail.memberCount > MEMBERS_BEFORE_FILTER && (
            <SearchInput
              wrapperClassName="w-full sm:w-64"
              value={filter}
              onChange={(event) => setFilter(event.target.value)}
              placeholder="Filter members"
              aria-label="Filter members"
              className="h-8"
            />
          )}
          {mayEditMembers && canReadUsers && detail.members.length > 0 && (
            <CardAction>
              <AddMemberButton onClick={() => setIsAddOpen(true)} />
            </CardAction>
          )}
        </CardHeader>
        {members}
      </Card>

      {mayEditMembers && canReadUsers && (
        <AddMemberDialog team={detail} open={isAddOpen} onOpenChange={setIsAddOpen} onChanged={showTeam} />
      )}
      <ConfirmDialog
        open={isRemoveOpen}
        onOpenChange={setIsRemoveOpen}
        title={`Remove ${removing ? memberName(removing) : ""} from ${detail.name}?`}
        description={`They lose access to anything registries grant only through this team. You can add them back later.`}
        confirmLabel="Remove"
        pendingLabel="Removing…"
        isDestructive
        isPending={removeMember.isPending}
        onConfirm={() => removing && removeMember.mutate({ teamId, userId: removing.userId })}
      />
      <ConfirmDialog
        open={isDeleteOpen}
        onOpenChange={setIsDeleteOpen}
        title={`Delete ${detail.name}?`}
        description={`The team, its ${pluralize(detail.memberCount, "membership")} and every registry grant made to it are deleted. Members lose access they had only through this team. This cannot be undone.`}
        confirmLabel="Delete team"
        pendingLabel="Deleting…"
        isDestructive
        isPending={deleteTeam.isPending}
        onConfirm={() => deleteTeam.mutate({ teamId })}
      >
        {isSynced && (
          <p className="text-sm text-muted-foreground">
            People who sign in as members of {detail.externalId} will not recreate it; create it again to sync
            that group.
          </p>
        )}
      </ConfirmDialog>
    </div>
  );
}
