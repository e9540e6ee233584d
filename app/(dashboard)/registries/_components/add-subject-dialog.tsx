"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { Check } from "lucide-react";
import { useEffect, useState } from "react";
import { toast } from "sonner";
import { pluralize } from "@/components/lib/format";
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
import type { RegistryDetail } from "./registry-detail";

const MIN_QUERY = 2;

type Result = { id: string; title: string; detail: string };

/**
 * Find active people (or teams) by name, email or slug and grant the registry to them one by one;
 * the dialog stays open for the next. Needs two characters: the search answers ten at most.
 */
export function AddSubjectDialog({
  kind,
  registry,
  open: isOpen,
  onOpenChange,
  onChanged,
}: {
  kind: "USER" | "TEAM";
  registry: RegistryDetail;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onChanged: (detail: RegistryDetail) => void;
}) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  useEffect(() => {
    if (isOpen) setSearch("");
  }, [isOpen]);
  const query = useDebouncedValue(search.trim());
  const isQueryLongEnough = query.length >= MIN_QUERY;
  const granted = new Set(
    registry.subjects.flatMap((subject) =>
      subject.kind === "USER" ? [subject.user.id] : subject.kind === "TEAM" ? [subject.team.id] : [],
    ),
  );

  const results = useQuery({
    ...trpc.registries.searchSubjects.queryOptions({ query, kind }),
    enabled: isOpen && isQueryLongEnough,
    placeholderData: keepPreviousData,
  });

  const add = useMutation(
    trpc.registries.addSubject.mutationOptions({
      onSuccess: (detail, variables) => {
        onChanged(detail);
        const subject = variables.subject;
        const added = detail.subjects.find(
          (entry) =>
            (subject.kind === "USER" && entry.kind === "USER" && entry.user.id === subject.userId) ||
            (subject.kind === "TEAM" && entry.kind === "TEAM" && entry.team.id === subject.teamId),
        );
        const label =
          added?.kind === "USER"
            ? (added.user.name ?? added.user.email)
            : added?.kind === "TEAM"
              ? added.team.name
              : "Subject";
        toast.success(`${detail.name} granted to ${label}`);
      },
      onError: (error) => toast.error("Couldn't grant the registry", { description: error.message }),
    }),
  );

  const items: Result[] =
    kind === "USER"
      ? (results.data?.users ?? []).map((user) => ({
          id: user.id,
          title: user.name ?? user.email,
          detail: user.name ? user.email : "",
        }))
      : (results.data?.teams ?? []).map((team) => ({
          id: team.id,
          title: team.name,
          detail: `${team.slug} · ${pluralize(team.memberCount, "member")}`,
        }));
  const noun = kind === "USER" ? "person" : "team";

  return (
    <Dialog open={isOpen} onOpenChange={onOpenChange}>
      <DialogContent data-testid={`add-${kind.toLowerCase()}-dialog`}>
        <DialogHeader>
          <DialogTitle>{kind === "USER" ? "Grant to a person" : "Grant to a team"}</DialogTitle>
          <DialogDescription>
            {kind === "USER"
              ? `Search active users by name or email. They can reach ${registry.name}'s servers from their next request.`
              : `Search teams by name. Everyone in the team, now and later, can reach ${registry.name}'s servers.`}
          </DialogDescription>
        </DialogHeader>
        <SearchInput
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          placeholder={kind === "USER" ? "Name or email" : "Team name"}
          aria-label={kind === "USER" ? "Search people" : "Search teams"}
        />
        <div className="-mx-2 min-h-48">
          {!isQueryLongEnough ? (
            <p className="px-2 py-8 text-center text-sm text-muted-foreground">
              Type at least {MIN_QUERY} characters to search.
            </p>
          ) : results.isPending ? (
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
          ) : results.isError && !results.data ? (
            <ErrorState
              className="mx-2"
              title={`Couldn't search the ${kind === "USER" ? "people" : "teams"}`}
              message={results.error.message}
              onRetry={() => void results.refetch()}
              isRetrying={results.isFetching}
            />
          ) : items.length === 0 ? (
            <p className="px-2 py-8 text-center text-sm text-muted-foreground">
              No {kind === "USER" ? "active user" : "team"} matches "{query}".
            </p>
          ) : (
            <ul className="divide-y" aria-label="Results" data-testid="subject-results">
              {items.map((item) => {
                const isGranted = granted.has(item.id);
                const isAdding =
                  add.isPending &&
                  ((add.variables?.subject.kind === "USER" && add.variables.subject.userId === item.id) ||
                    (add.variables?.subject.kind === "TEAM" && add.variables.subject.teamId === item.id));
                return (
                  <li
                    key={item.id}
                    className="flex items-center gap-3 px-2 py-2.5"
                    data-testid="subject-result"
                    data-name={item.title}
                  >
                    <div className="min-w-0 flex-1">
                      <p className="truncate text-sm font-medium">{item.title}</p>
                      {item.detail && <p className="truncate text-xs text-muted-foreground">{item.detail}</p>}
                    </div>
                    {isGranted ? (
                      <Badge variant="success">
                        <Check aria-hidden="true" />
                        Granted
                      </Badge>
                    ) : (
                      <Button
                        variant="outline"
                        size="sm"
                        disabled={add.isPending}
                        aria-label={`Grant to ${item.title}`}
                        onClick={() =>
                          add.mutate({
                            registryId: registry.id,
                            subject:
                              kind === "USER"
                                ? { kind: "USER", userId: item.id }
                                : { kind: "TEAM", teamId: item.id },
                          })
                        }
                      >
                        {isAdding ? "Granting…" : "Grant"}
                      </Button>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
        <p className="sr-only" aria-live="polite">
          {isQueryLongEnough && results.data ? `${items.length} ${noun} results` : ""}
        </p>
        <DialogFooter>
          <Button onClick={() => onOpenChange(false)}>Done</Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
