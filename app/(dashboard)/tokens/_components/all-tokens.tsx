"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { KeyRound, SearchX } from "lucide-react";
import { useState } from "react";
import { formatNumber, pluralize } from "@/components/lib/format";
import type { RouterOutputs } from "@/components/lib/router-types";
import { useDebouncedValue } from "@/components/lib/use-debounced-value";
import { useTRPC } from "@/components/providers/trpc-provider";
import { TokenScopeChips } from "@/components/tokens/token-scope-chips";
import { TokenExpiry } from "@/components/tokens/token-status";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { SearchInput } from "@/components/ui/search-input";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { type RevocableToken, RevokeTokenDialog } from "./revoke-token-dialog";

type AdminToken = RouterOutputs["tokens"]["listAll"]["items"][number];

const PAGE_SIZE = 50;

function TableSkeleton() {
  return (
    <div className="space-y-4 px-5 py-5" aria-busy="true">
      <span className="sr-only" role="status">
        Loading tokens…
      </span>
      {["a", "b", "c", "d"].map((key) => (
        <div key={key} className="flex items-center gap-4">
          <div className="w-48 space-y-1.5">
            <Skeleton className="h-4 w-32" />
            <Skeleton className="h-3 w-40" />
          </div>
          <Skeleton className="h-4 w-40" />
          <Skeleton className="hidden h-5 w-48 md:block" />
          <Skeleton className="ml-auto h-8 w-20" />
        </div>
      ))}
    </div>
  );
}

function ownerLabel(owner: AdminToken["owner"]): string {
  return owner.name?.trim() || owner.email;
}

/** Every active token of every user, for Admins: who owns it, what it reaches, and a revoke button. */
export function AllTokens() {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const debounced = useDebouncedValue(search.trim());
  const [revoking, setRevoking] = useState<RevocableToken | null>(null);
  const [isRevokeOpen, setIsRevokeOpen] = useState(false);

  const tokens = useInfiniteQuery({
    ...trpc.tokens.listAll.infiniteQueryOptions(
      { search: debounced || undefined, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
    placeholderData: keepPreviousData,
  });

  const items = tokens.data?.pages.flatMap((page) => page.items) ?? [];
  const openRevoke = (token: AdminToken) => {
    setRevoking({
      id: token.id,
      name: token.name,
      displayPrefix: token.displayPrefix,
      ownerLabel: ownerLabel(token.owner),
    });
    setIsRevokeOpen(true);
  };

  return (
    <section aria-label="All active tokens" className="space-y-4">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-sm text-muted-foreground">
          Active tokens of every user. Revoking one stops it on its next request; its owner sees it as
          revoked.
        </p>
        <SearchInput
          wrapperClassName="w-full sm:w-72"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          placeholder="Filter by owner name or email"
          aria-label="Filter by owner name or email"
        />
      </div>

      {tokens.isError && !tokens.data ? (
        <ErrorState
          title="Couldn't load tokens"
          message={tokens.error.message}
          onRetry={() => void tokens.refetch()}
          isRetrying={tokens.isFetching}
        />
      ) : (
        <Card className="overflow-hidden">
          {tokens.isPending ? (
            <TableSkeleton />
          ) : items.length === 0 ? (
            debounced ? (
              <EmptyState
                icon={SearchX}
                title="No active tokens match"
                description={`No owner's name or email contains “${debounced}”.`}
              />
            ) : (
              <EmptyState
                icon={KeyRound}
                title="No active tokens"
                description="Nobody holds an active API token right now."
              />
            )
          ) : (
            <Table data-testid="all-tokens-table">
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead>Token</TableHead>
                  <TableHead>Owner</TableHead>
                  <TableHead>Scope</TableHead>
                  <TableHead>Expiry</TableHead>
                  <TableHead>Last used</TableHead>
                  <TableHead className="text-right">Requests</TableHead>
                  <TableHead>
                    <span className="sr-only">Actions</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {items.map((token) => (
                  <TableRow key={token.id} data-testid="all-tokens-row" data-token-id={token.id}>
                    <TableCell className="min-w-40 max-w-64">
                      <p className="break-words font-medium">{token.name}</p>
                      <p className="font-mono text-xs text-muted-foreground">{token.displayPrefix}</p>
                    </TableCell>
                    <TableCell className="min-w-40 max-w-64">
                      <p className="truncate">{ownerLabel(token.owner)}</p>
                      {token.owner.name?.trim() && (
                        <p className="truncate text-xs text-muted-foreground">{token.owner.email}</p>
                      )}
                    </TableCell>
                    <TableCell className="min-w-56 max-w-96">
                      <TokenScopeChips scopes={token.scopes} isLinked={false} />
                    </TableCell>
                    <TableCell className="whitespace-nowrap text-xs">
                      <TokenExpiry expiresAt={token.expiresAt} status={token.status} />
                    </TableCell>
                    <TableCell className="whitespace-nowrap text-xs">
                      {token.lastUsedAt ? <RelativeTime date={token.lastUsedAt} /> : "Never"}
                    </TableCell>
                    <TableCell className="text-right text-xs tabular-nums">
                      {formatNumber(token.usageCount)}
                    </TableCell>
                    <TableCell className="text-right">
                      <Button
                        variant="outline"
                        size="sm"
                        className="text-destructive hover:bg-destructive/10 hover:text-destructive"
                        onClick={() => openRevoke(token)}
                        aria-label={`Revoke ${token.name} of ${ownerLabel(token.owner)}`}
                      >
                        Revoke
                      </Button>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </Card>
      )}
      {items.length > 0 && (
        <div className="flex items-center justify-between gap-3 text-sm text-muted-foreground">
          <span>
            {tokens.hasNextPage
              ? `Showing ${formatNumber(items.length)}`
              : pluralize(items.length, "active token")}
          </span>
          {tokens.hasNextPage && (
            <Button
              variant="outline"
              size="sm"
              onClick={() => void tokens.fetchNextPage()}
              disabled={tokens.isFetchingNextPage}
            >
              {tokens.isFetchingNextPage ? "Loading…" : "Load more"}
            </Button>
          )}
        </div>
      )}
      <RevokeTokenDialog token={revoking} open={isRevokeOpen} onOpenChange={setIsRevokeOpen} />
    </section>
  );
}
