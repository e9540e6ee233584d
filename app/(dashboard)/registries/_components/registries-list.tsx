"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { BookMarked, Globe, SearchX, Server, UsersRound } from "lucide-react";
import Link from "next/link";
import { type ReactNode, useState } from "react";
import { pluralize } from "@/components/lib/format";
import type { RouterOutputs } from "@/components/lib/router-types";
import { useDebouncedValue } from "@/components/lib/use-debounced-value";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { SearchInput } from "@/components/ui/search-input";
import { Skeleton } from "@/components/ui/skeleton";
import { CreateRegistryDialog } from "./create-registry-dialog";

type RegistryRow = RouterOutputs["registries"]["list"][number];

function ListSkeleton() {
  return (
    <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3" aria-busy="true">
      <span className="sr-only" role="status">
        Loading registries…
      </span>
      {["a", "b", "c"].map((key) => (
        <Card key={key} className="space-y-4 p-5">
          <div className="space-y-1.5">
            <Skeleton className="h-4 w-40" />
            <Skeleton className="h-3 w-24" />
          </div>
          <Skeleton className="h-3 w-full" />
          <div className="flex gap-2">
            <Skeleton className="h-5 w-20" />
            <Skeleton className="h-5 w-24" />
          </div>
          <Skeleton className="h-3 w-32" />
        </Card>
      ))}
    </div>
  );
}

function PreviewLine({
  icon: Icon,
  label,
  items,
  count,
  emptyText,
}: {
  icon: typeof UsersRound;
  label: string;
  items: { id: string; label: string; isEveryone?: boolean }[];
  count: number;
  emptyText: string;
}) {
  return (
    <div className="flex min-w-0 items-start gap-2 text-sm">
      <Icon className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-label={label} />
      {count === 0 ? (
        <span className="text-muted-foreground italic">{emptyText}</span>
      ) : (
        <div className="flex min-w-0 flex-wrap gap-1.5">
          {items.map((item) => (
            <Badge
              key={item.id}
              // "Everyone" stands out: it reaches every active user.
              variant={item.isEveryone ? "warning" : "secondary"}
              className="max-w-48 font-normal"
            >
              {item.isEveryone && <Globe aria-hidden="true" />}
              <span className="truncate">{item.label}</span>
            </Badge>
          ))}
          {count > items.length && (
            <span className="text-xs leading-5 text-muted-foreground">+{count - items.length} more</span>
          )}
        </div>
      )}
    </div>
  );
}

function RegistryCard({ registry, showOwner }: { registry: RegistryRow; showOwner: boolean }) {
  return (
    <Card
      className="relative flex flex-col gap-4 p-5 transition-colors hover:border-primary/40 hover:bg-muted/20"
      data-testid="registry-card"
      data-slug={registry.slug}
    >
      <div className="min-w-0 space-y-0.5">
        {/* The link covers the whole card (after:inset-0) so the card is one click target. */}
        <Link
          href={`/registries/${registry.id}`}
          className="block truncate font-semibold outline-none after:absolute after:inset-0 after:rounded-xl hover:underline focus-visible:underline"
        >
          {registry.name}
        </Link>
        <p className="truncate font-mono text-xs text-muted-foreground">{registry.slug}</p>
      </div>
      {registry.description && (
        <p className="line-clamp-2 text-sm text-muted-foreground">{registry.description}</p>
      )}
      <div className="space-y-2">
        <PreviewLine
          icon={UsersRound}
          label="Granted to"
          items={registry.subjectPreview.map((subject) => ({
            id: subject.id,
            label: subject.label,
            isEveryone: subject.kind === "EVERYONE",
          }))}
          count={registry.subjectCount}
          emptyText="Not granted to anyone yet"
        />
        <PreviewLine
          icon={Server}
          label="Servers"
          items={registry.serverPreview.map((server) => ({ id: server.id, label: server.name }))}
          count={registry.serverCount}
          emptyText="No servers yet"
        />
      </div>
      <div className="mt-auto flex flex-wrap items-center justify-between gap-x-3 gap-y-1 border-t pt-3 text-xs text-muted-foreground">
        <span>
          {pluralize(registry.subjectCount, "subject")} · {pluralize(registry.serverCount, "server")}
        </span>
        <span className="truncate">
          {showOwner ? `${registry.owner.name ?? registry.owner.email} · ` : "Updated "}
          <RelativeTime date={registry.updatedAt} />
        </span>
      </div>
    </Card>
  );
}

/** The registries this person manages, as cards saying whom each grants what; search by name. */
export function RegistriesList({
  currentUserId,
  managesAll,
}: {
  currentUserId: string;
  managesAll: boolean;
}) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const debouncedSearch = useDebouncedValue(search.trim());
  const registries = useQuery({
    ...trpc.registries.list.queryOptions({ search: debouncedSearch || undefined }),
    placeholderData: keepPreviousData,
  });

  let body: ReactNode;
  if (registries.isPending) {
    body = <ListSkeleton />;
  } else if (registries.isError && !registries.data) {
    body = (
      <ErrorState
        title="Couldn't load the registries"
        message={registries.error.message}
        onRetry={() => void registries.refetch()}
        isRetrying={registries.isFetching}
      />
    );
  } else if (registries.data.length === 0 && debouncedSearch) {
    body = (
      <Card>
        <EmptyState
          icon={SearchX}
          title="No registries match"
          description={`No registry name, slug or description contains "${debouncedSearch}".`}
          action={
            <Button variant="outline" size="sm" onClick={() => setSearch("")}>
              Clear search
            </Button>
          }
        />
      </Card>
    );
  } else if (registries.data.length === 0) {
    body = (
      <Card data-testid="registries-empty">
        <EmptyState
          className="py-14"
          icon={BookMarked}
          title={managesAll ? "No registries yet" : "You don't own any registries yet"}
          description={
            <>
              Nothing in the catalog is reachable until a registry grants it. A registry names who it is for
              (people, teams or everyone) and which approved servers they may use, optionally only some of
              their tools. People see the union of every registry that includes them.
            </>
          }
          action={
            <CreateRegistryDialog
              variant="outline"
              label="Create the first registry"
              testId="create-first-registry-button"
            />
          }
        />
      </Card>
    );
  } else {
    body = (
      <div
        className={cn(
          "grid gap-4 md:grid-cols-2 xl:grid-cols-3",
          registries.isPlaceholderData && "opacity-60 transition-opacity",
        )}
        data-testid="registries-grid"
      >
        {registries.data.map((registry) => (
          <RegistryCard
            key={registry.id}
            registry={registry}
            showOwner={managesAll && registry.owner.id !== currentUserId}
          />
        ))}
      </div>
    );
  }

  const hasAny = (registries.data?.length ?? 0) > 0 || Boolean(debouncedSearch);
  return (
    <div className="space-y-4" data-testid="registries">
      {hasAny && (
        <SearchInput
          wrapperClassName="max-w-md"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          placeholder="Search registries"
          aria-label="Search registries"
        />
      )}
      {body}
    </div>
  );
}
