"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Check, LibraryBig, SearchX, X } from "lucide-react";
import Link from "next/link";
import { type ReactNode, useEffect, useState } from "react";
import { pluralize } from "@/components/lib/format";
import { useDebouncedValue } from "@/components/lib/use-debounced-value";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { SearchInput } from "@/components/ui/search-input";
import { Skeleton } from "@/components/ui/skeleton";
import { CatalogCard } from "./catalog-card";
import { type CatalogFilters, filtersToQuery, isTagSelected, listInput } from "./catalog-filters";

/** Tags shown before "Show all" (fewer on a phone); a large catalog can carry dozens. */
const TAGS_COLLAPSED = 12;
const TAGS_COLLAPSED_MOBILE = 6;

function CardSkeletons() {
  return (
    <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3" aria-busy="true">
      <span className="sr-only" role="status">
        Loading the catalog…
      </span>
      {["a", "b", "c", "d", "e", "f"].map((key) => (
        <Card key={key} className="space-y-3 p-4">
          <div className="flex items-center gap-3">
            <Skeleton className="size-10 rounded-lg" />
            <div className="flex-1 space-y-1.5">
              <Skeleton className="h-4 w-36" />
              <Skeleton className="h-3 w-24" />
            </div>
          </div>
          <Skeleton className="h-4 w-full" />
          <Skeleton className="h-4 w-2/3" />
          <div className="flex gap-1.5">
            <Skeleton className="h-5 w-14" />
            <Skeleton className="h-5 w-16" />
          </div>
          <div className="flex justify-between border-t pt-3">
            <Skeleton className="h-3 w-16" />
            <Skeleton className="h-3 w-20" />
          </div>
        </Card>
      ))}
    </div>
  );
}

/**
 * Search box, tag chips and the grid of servers. The filters live in the address bar (?q=, ?tags=)
 * so a filtered catalog can be bookmarked or shared; the search is debounced.
 */
export function CatalogBrowser({
  initialFilters,
  canManageRegistries,
}: {
  initialFilters: CatalogFilters;
  canManageRegistries: boolean;
}) {
  const trpc = useTRPC();
  const [searchText, setSearchText] = useState(initialFilters.search);
  const [tags, setTags] = useState(initialFilters.tags);
  const [isShowingAllTags, setIsShowingAllTags] = useState(false);
  const search = useDebouncedValue(searchText.trim(), 300);
  const filters: CatalogFilters = { search, tags };
  const hasFilters = search !== "" || tags.length > 0;

  const catalog = useQuery({
    ...trpc.catalog.list.queryOptions(listInput(filters)),
    placeholderData: keepPreviousData,
  });

  // Mirror the filters into the address bar without a navigation (Next keeps useSearchParams in sync).
  const query = filtersToQuery(filters);
  useEffect(() => {
    if (window.location.search !== query) {
      window.history.replaceState(window.history.state, "", `${window.location.pathname}${query}`);
    }
  }, [query]);

  const toggleTag = (tag: string) =>
    setTags((current) =>
      isTagSelected({ search, tags: current }, tag)
        ? current.filter((selected) => selected.toLowerCase() !== tag.toLowerCase())
        : [...current, tag],
    );
  const clearFilters = () => {
    setSearchText("");
    setTags([]);
  };

  const facets = catalog.data?.facets ?? [];
  // Selected tags always stay visible, even when collapsed.
  const shownFacets = isShowingAllTags
    ? facets
    : facets.filter((facet, index) => index < TAGS_COLLAPSED || isTagSelected(filters, facet.tag));

  let body: ReactNode;
  if (catalog.isPending) {
    body = <CardSkeletons />;
  } else if (catalog.isError && !catalog.data) {
    body = (
      <ErrorState
        title="Couldn't load the catalog"
        message={catalog.error.message}
        onRetry={() => void catalog.refetch()}
        isRetrying={catalog.isFetching}
      />
    );
  } else if (catalog.data.total === 0) {
    body = (
      <Card>
        <EmptyState
          icon={LibraryBig}
          title="No servers have been shared with you yet"
          description={
            <>
              Servers appear here when a registry grants them to you, to a team you belong to, or to everyone.
              Ask your Gatehouse administrator, or the owner of a registry your team uses, to add you.
            </>
          }
          action={
            canManageRegistries ? (
              <Button variant="outline" size="sm" asChild>
                <Link href="/registries">Go to registries</Link>
              </Button>
            ) : undefined
          }
          data-testid="catalog-empty"
        />
      </Card>
    );
  } else if (catalog.data.servers.length === 0) {
    body = (
      <Card>
        <EmptyState
          icon={SearchX}
          title="No servers match"
          description={
            search
              ? `Nothing in your catalog matches "${search}"${tags.length > 0 ? " with the selected tags" : ""}.`
              : "No server carries all of the selected tags."
          }
          action={
            <Button variant="outline" size="sm" onClick={clearFilters}>
              Clear filters
            </Button>
          }
          data-testid="catalog-no-results"
        />
      </Card>
    );
  } else {
    body = (
      <ul
        className={cn(
          "grid gap-4 transition-opacity sm:grid-cols-2 xl:grid-cols-3",
          catalog.isPlaceholderData && "opacity-60",
        )}
        data-testid="catalog-grid"
      >
        {catalog.data.servers.map((server) => (
          <li key={server.id} className="flex min-w-0 [&>*]:flex-1">
            <CatalogCard server={server} />
          </li>
        ))}
      </ul>
    );
  }

  return (
    <div className="space-y-5">
      <div className="space-y-3">
        <div className="flex flex-col gap-3 sm:flex-row sm:items-center">
          <SearchInput
            wrapperClassName="w-full sm:max-w-md"
            value={searchText}
            onChange={(event) => setSearchText(event.target.value)}
            placeholder="Search by name, description or tag"
            aria-label="Search the catalog"
            maxLength={200}
            data-testid="catalog-search"
          />
          {catalog.data && catalog.data.total > 0 && (
            <p className="text-sm text-muted-foreground sm:ml-auto" role="status" data-testid="catalog-count">
              {hasFilters
                ? `${catalog.data.servers.length} of ${pluralize(catalog.data.total, "server")}`
                : pluralize(catalog.data.total, "server")}
            </p>
          )}
        </div>

        {facets.length > 0 && (
          <fieldset className="flex min-w-0 flex-wrap items-center gap-1.5">
            <legend className="sr-only">Filter by tag</legend>
            {shownFacets.map((facet, index) => {
              const isSelected = isTagSelected(filters, facet.tag);
              const isHiddenOnPhone = !isShowingAllTags && !isSelected && index >= TAGS_COLLAPSED_MOBILE;
              return (
                <button
                  key={facet.tag}
                  type="button"
                  aria-pressed={isSelected}
                  onClick={() => toggleTag(facet.tag)}
                  data-testid="tag-chip"
                  data-tag={facet.tag}
                  className={cn(
                    isHiddenOnPhone && "max-sm:hidden",
                    "inline-flex h-7 max-w-56 items-center gap-1 rounded-full border px-2.5 text-xs font-medium transition-colors outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50",
                    isSelected
                      ? "border-primary bg-primary text-primary-foreground hover:bg-primary/90"
                      : "bg-background text-muted-foreground hover:bg-accent hover:text-accent-foreground",
                  )}
                >
                  {isSelected && <Check className="size-3 shrink-0" aria-hidden="true" />}
                  <span className="truncate">{facet.tag}</span>
                  <span className={cn("tabular-nums", isSelected ? "opacity-80" : "opacity-60")}>
                    {facet.count}
                  </span>
                </button>
              );
            })}
            {(facets.length > shownFacets.length ||
              (!isShowingAllTags && facets.length > TAGS_COLLAPSED_MOBILE)) && (
              <Button
                variant="ghost"
                size="sm"
                // Only phones hide tags when the list fits the wide collapsed view.
                className={cn("h-7", facets.length <= shownFacets.length && "sm:hidden")}
                onClick={() => setIsShowingAllTags(true)}
              >
                Show all {facets.length} tags
              </Button>
            )}
            {hasFilters && (
              <Button
                variant="ghost"
                size="sm"
                className="h-7 text-muted-foreground"
                onClick={clearFilters}
                data-testid="clear-filters"
              >
                <X aria-hidden="true" />
                Clear filters
              </Button>
            )}
          </fieldset>
        )}
      </div>

      {body}
    </div>
  );
}
