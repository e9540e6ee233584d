"use client";

import { useQuery } from "@tanstack/react-query";
import { ChevronDown, KeyRound } from "lucide-react";
import { useState } from "react";
import { formatNumber, pluralize } from "@/components/lib/format";
import type { RouterOutputs } from "@/components/lib/router-types";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { TokenScopeChips } from "@/components/tokens/token-scope-chips";
import { TokenExpiry, TokenStatusBadge } from "@/components/tokens/token-status";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import { NewTokenDialog } from "./new-token-dialog";
import { type RevocableToken, RevokeTokenDialog } from "./revoke-token-dialog";

type Token = RouterOutputs["tokens"]["list"][number];

function ListSkeleton() {
  return (
    <Card className="divide-y" aria-busy="true">
      <span className="sr-only" role="status">
        Loading your tokens…
      </span>
      {["a", "b", "c"].map((key) => (
        <div key={key} className="flex flex-col gap-3 p-5 md:flex-row md:items-center">
          <div className="flex-1 space-y-2">
            <Skeleton className="h-4 w-48" />
            <Skeleton className="h-3 w-32" />
            <Skeleton className="h-5 w-64" />
          </div>
          <Skeleton className="h-8 w-72" />
        </div>
      ))}
    </Card>
  );
}

function TokenItem({ token, onRevoke }: { token: Token; onRevoke: (token: Token) => void }) {
  const isActive = token.status === "active";
  return (
    <li
      className={cn(
        "flex flex-col gap-4 p-4 sm:p-5 lg:flex-row lg:items-center lg:gap-6",
        !isActive && "bg-muted/20",
      )}
      data-testid="token-row"
      data-token-id={token.id}
      data-status={token.status}
    >
      <div className="min-w-0 flex-1 space-y-2">
        <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <h3 className={cn("min-w-0 break-words font-medium", !isActive && "text-muted-foreground")}>
            {token.name}
          </h3>
          <TokenStatusBadge status={token.status} />
        </div>
        <p className="text-xs text-muted-foreground">
          <span className="font-mono" data-testid="token-prefix">
            {token.displayPrefix}
          </span>
          <span aria-hidden="true"> · </span>
          created <RelativeTime date={token.createdAt} />
        </p>
        <TokenScopeChips scopes={token.scopes} />
        {token.ipAllowList.length > 0 && (
          <p className="break-words text-xs text-muted-foreground">
            Only from <span className="font-mono">{token.ipAllowList.join(", ")}</span>
          </p>
        )}
      </div>
      <dl className="grid shrink-0 grid-cols-2 gap-x-4 gap-y-3 border-t pt-3 text-xs sm:grid-cols-[minmax(9rem,auto)_minmax(6rem,auto)_minmax(4rem,auto)] sm:gap-x-8 lg:border-t-0 lg:pt-0">
        <div className="min-w-0">
          <dt className="text-muted-foreground">{token.status === "revoked" ? "Revoked" : "Expiry"}</dt>
          <dd className="mt-0.5">
            {token.status === "revoked" && token.revokedAt ? (
              <RelativeTime date={token.revokedAt} />
            ) : (
              <TokenExpiry expiresAt={token.expiresAt} status={token.status} />
            )}
          </dd>
        </div>
        <div>
          <dt className="text-muted-foreground">Last used</dt>
          <dd className="mt-0.5" data-testid="token-last-used">
            {token.lastUsedAt ? <RelativeTime date={token.lastUsedAt} /> : "Never"}
          </dd>
        </div>
        <div>
          <dt className="text-muted-foreground">Requests</dt>
          <dd className="mt-0.5 tabular-nums" data-testid="token-usage">
            {formatNumber(token.usageCount)}
          </dd>
        </div>
      </dl>
      <div className="flex shrink-0 justify-end lg:w-20">
        {isActive && (
          <Button
            variant="outline"
            size="sm"
            className="text-destructive hover:bg-destructive/10 hover:text-destructive"
            onClick={() => onRevoke(token)}
            aria-label={`Revoke ${token.name}`}
          >
            Revoke
          </Button>
        )}
      </div>
    </li>
  );
}

/** The signed-in user's tokens: active ones first, revoked and expired ones folded away below. */
export function MyTokens() {
  const trpc = useTRPC();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const [showInactive, setShowInactive] = useState(false);
  // Kept while the dialog animates closed, so its text does not go blank.
  const [revoking, setRevoking] = useState<RevocableToken | null>(null);
  const [isRevokeOpen, setIsRevokeOpen] = useState(false);

  if (tokens.isPending) return <ListSkeleton />;
  if (tokens.isError && !tokens.data) {
    return (
      <ErrorState
        title="Couldn't load your tokens"
        message={tokens.error.message}
        onRetry={() => void tokens.refetch()}
        isRetrying={tokens.isFetching}
      />
    );
  }
  if (tokens.data.length === 0) {
    return (
      <Card>
        <EmptyState
          className="py-16"
          icon={KeyRound}
          title="No API tokens yet"
          description="Create a token for each agent or machine, scoped to the connections it needs. You can revoke one without disturbing the others."
          action={<NewTokenDialog label="Create your first token" testId="empty-new-token-button" />}
          data-testid="tokens-empty"
        />
      </Card>
    );
  }

  const active = tokens.data.filter((token) => token.status === "active");
  const inactive = tokens.data.filter((token) => token.status !== "active");
  const openRevoke = (token: Token) => {
    setRevoking({ id: token.id, name: token.name, displayPrefix: token.displayPrefix });
    setIsRevokeOpen(true);
  };

  return (
    <section aria-label="Your tokens" className="space-y-4">
      <p className="text-sm text-muted-foreground">
        {pluralize(active.length, "active token")}
        {inactive.length > 0 ? `, ${formatNumber(inactive.length)} revoked or expired` : ""}
      </p>
      {active.length > 0 ? (
        <Card className="overflow-hidden">
          <ul className="divide-y" data-testid="tokens-list">
            {active.map((token) => (
              <TokenItem key={token.id} token={token} onRevoke={openRevoke} />
            ))}
          </ul>
        </Card>
      ) : (
        <Card>
          <EmptyState
            icon={KeyRound}
            title="No active tokens"
            description="Every token you created has been revoked or has expired. Create a new one for your agent."
          />
        </Card>
      )}
      {inactive.length > 0 && (
        <div className="space-y-3">
          <Button
            variant="ghost"
            size="sm"
            className="-ml-2 text-muted-foreground"
            onClick={() => setShowInactive((value) => !value)}
            aria-expanded={showInactive}
            aria-controls="inactive-tokens"
          >
            <ChevronDown
              className={cn("transition-transform", showInactive && "rotate-180")}
              aria-hidden="true"
            />
            {showInactive ? "Hide" : "Show"}{" "}
            {pluralize(inactive.length, "revoked or expired token", "revoked or expired tokens")}
          </Button>
          {showInactive && (
            <Card className="overflow-hidden">
              <ul id="inactive-tokens" className="divide-y" data-testid="inactive-tokens-list">
                {inactive.map((token) => (
                  <TokenItem key={token.id} token={token} onRevoke={openRevoke} />
                ))}
              </ul>
            </Card>
          )}
        </div>
      )}
      <RevokeTokenDialog token={revoking} open={isRevokeOpen} onOpenChange={setIsRevokeOpen} />
    </section>
  );
}
