"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { Check } from "lucide-react";
import { useEffect, useState } from "react";
import { toast } from "sonner";
import { useDebouncedValue } from "@/components/lib/use-debounced-value";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { ErrorState } from "@/components/ui/error-state";
import { SearchInput } from "@/components/ui/search-input";
import { Skeleton } from "@/components/ui/skeleton";
import { ROLE_LABELS } from "@/server/policy/permissions";
import type { TeamDetail } from "./team-detail";

const RESULT_LIMIT = 8;

/**
 * Find active users by name or email and add them one by one; the dialog stays open for the next.
 * Controlled by the page, whose "Add member" buttons move as the list fills (the first member
 * replaces the empty state) while the dialog must stay open.
 */
export function AddMemberDialog({
  team,
  open: isOpen,
  onOpenChange,
  onChanged,
}: {
  team: TeamDetail;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onChanged: (detail: TeamDetail) => void;
}) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  // Each opening starts with an empty search.
  useEffect(() => {
    if (isOpen) setSearch("");
  }, [isOpen]);
  const debouncedSearch = useDebouncedValue(search.trim());
  // Members beyond the first TEAM_MEMBERS_SHOWN are not marked; adding one again changes nothing.
  const memberIds = new Set(team.members.map((member) => member.userId));

  const users = useQuery({
    ...trpc.users.list.queryOptions({
      search: debouncedSearch || undefined,
      status: "ACTIVE",
      limit: RESULT_LIMIT,
    }),
    enabled: isOpen,
    placeholderData: keepPreviousData,
  });

  const add = useMutation(
    trpc.teams.addMember.mutationOptions({
      onSuccess: (detail, variables) => {
        onChanged(detail);
        // A large team's answer lists only its first members: the search result names them too.
        const added =
          detail.members.find((member) => member.userId === variables.userId) ??
          users.data?.items.find((user) => user.id === variables.userId);
        toast.success(`${added?.name ?? added?.email ?? "Member"} added to ${detail.name}`);
      },
      onError: (error) => toast.error("Couldn't add the member", { description: error.message }),
    }),
  );

  return (
    <Dialog open={isOpen} onOpenChange={onOpenChange}>
      <DialogContent data-testid="add-member-dialog">
        <DialogHeader>
          <DialogTitle>Add members to {team.name}</DialogTitle>
          <DialogDescription>Search for active users by name or email address.</DialogDescription>
        </DialogHeader>
        <SearchInput
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          placeholder="Search by name or email"
          aria-label="Search users to add"
        />
        <div className="-mx-2 min-h-48">
          {users.isPending ? (
            <div className="space-y-3 px-2 py-1">
              {["a", "b", "c"].map((key) => (
                <div key={key} className="flex items-center gap-3">
                  <div className="flex-1 space-y-1.5">
                    <Skeleton className="h-4 w-32" />
                    <Skeleton className="h-3 w-48" />
                  </div>
                  <Skeleton className="h-8 w-16" />
                </div>
              ))}
            </div>
          ) : users.isError && !users.data ? (
            <ErrorState
              className="mx-2"
              title="Couldn't search the users"
              message={users.error.message}
              onRetry={() => void users.refetch()}
              isRetrying={users.isFetching}
            />
          ) : users.data.items.length === 0 ? (
            <p className="px-2 py-8 text-center text-sm text-muted-foreground">
              {debouncedSearch ? `No active user matches "${debouncedSearch}".` : "No active users."}
            </p>
          ) : (
            <ul className="divide-y" aria-label="Users" data-testid="add-member-results">
              {users.data.items.map((user) => {
                const isMember = memberIds.has(user.id);
                const isAdding = add.isPending && add.variables?.userId === user.id;
                const name = user.name?.trim() || user.email;
                return (
                  <li
                    key={user.id}
                    className="flex items-center gap-3 px-2 py-2.5"
                    data-testid="add-member-result"
                    data-email={user.email}
                  >
                    <div className="min-w-0 flex-1">
                      <p className="truncate text-sm font-medium">{user.name ?? user.email}</p>
                      <p className="truncate text-xs text-muted-foreground">
                        {user.name ? `${user.email} · ` : ""}
                        {ROLE_LABELS[user.role]}
                      </p>
                    </div>
                    {isMember ? (
                      <Badge variant="success">
                        <Check aria-hidden="true" />
                        Member
                      </Badge>
                    ) : (
                      <Button
                        variant="outline"
                        size="sm"
                        disabled={add.isPending}
                        onClick={() => add.mutate({ teamId: team.id, userId: user.id })}
                        aria-label={`Add ${name}`}
                      >
                        {isAdding ? "Adding…" : "Add"}
                      </Button>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
        <DialogFooter>
          <Button onClick={() => onOpenChange(false)}>Done</Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
