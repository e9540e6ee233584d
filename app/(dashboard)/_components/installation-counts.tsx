"use client";

import { useQuery } from "@tanstack/react-query";
import {
  BookMarked,
  Cable,
  KeyRound,
  LibraryBig,
  type LucideIcon,
  UserRound,
  UsersRound,
} from "lucide-react";
import Link from "next/link";
import { formatNumber } from "@/components/lib/format";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Card } from "@/components/ui/card";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";

export const OVERVIEW_REFRESH_MS = 30_000;

const SERVER_STATUS_LABELS: [status: string, label: string][] = [
  ["APPROVED", "approved"],
  ["PENDING_APPROVAL", "pending"],
  ["DRAFT", "draft"],
  ["REJECTED", "rejected"],
  ["RETIRED", "retired"],
];

function CountTile({
  label,
  value,
  hint,
  href,
  icon: Icon,
}: {
  label: string;
  value: number;
  hint: string;
  /** the page that lists what is counted; without one the tile is not a link */
  href?: string;
  icon: LucideIcon;
}) {
  const testId = `count-${label.toLowerCase().replaceAll(" ", "-")}`;
  const content = (
    <>
      <p className="flex items-center gap-2 text-xs font-medium text-muted-foreground">
        <Icon className="size-3.5" aria-hidden="true" />
        {label}
      </p>
      <p className="mt-2 text-2xl font-semibold tabular-nums tracking-tight">{formatNumber(value)}</p>
      <p className="mt-0.5 text-xs text-muted-foreground">{hint}</p>
    </>
  );
  if (!href) {
    return (
      <Card className="h-full p-4" data-testid={testId}>
        {content}
      </Card>
    );
  }
  return (
    <Link
      href={href}
      data-testid={testId}
      className="group rounded-xl outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
    >
      <Card className="h-full p-4 transition-colors group-hover:border-primary/30 group-hover:bg-accent/40">
        {content}
      </Card>
    </Link>
  );
}

export function InstallationCountsSkeleton() {
  return (
    <div className="grid grid-cols-2 gap-4 sm:grid-cols-3 xl:grid-cols-6">
      {["a", "b", "c", "d", "e", "f"].map((key) => (
        <Card key={key} className="space-y-3 p-4">
          <Skeleton className="h-3 w-16" />
          <Skeleton className="h-7 w-10" />
          <Skeleton className="h-3 w-20" />
        </Card>
      ))}
    </div>
  );
}

/** How big this installation is: users, teams, servers, registries, connections, API tokens. */
export function InstallationCounts() {
  const trpc = useTRPC();
  const overview = useQuery({
    ...trpc.system.getOverview.queryOptions(),
    refetchInterval: OVERVIEW_REFRESH_MS,
  });

  if (overview.isPending) return <InstallationCountsSkeleton />;
  if (overview.isError && !overview.data) {
    return (
      <ErrorState
        title="Couldn't load the installation summary"
        message={overview.error.message}
        onRetry={() => void overview.refetch()}
        isRetrying={overview.isFetching}
      />
    );
  }

  const { counts, serversByStatus } = overview.data;
  const serverHint =
    SERVER_STATUS_LABELS.filter(([status]) => (serversByStatus[status] ?? 0) > 0)
      .map(([status, label]) => `${formatNumber(serversByStatus[status] ?? 0)} ${label}`)
      .join(" · ") || "none yet";

  return (
    <div className="grid grid-cols-2 gap-4 sm:grid-cols-3 xl:grid-cols-6">
      <CountTile label="Users" value={counts.users} hint="active accounts" href="/users" icon={UserRound} />
      <CountTile label="Teams" value={counts.teams} hint="groups of users" href="/teams" icon={UsersRound} />
      {/* Every server, any owner or status: the publishing list's "All servers" view (the catalog
          shows only what registries grant the viewer). */}
      <CountTile
        label="Servers"
        value={counts.servers}
        hint={serverHint}
        href="/servers?scope=all"
        icon={LibraryBig}
      />
      <CountTile
        label="Registries"
        value={counts.registries}
        hint="sets of access grants"
        href="/registries"
        icon={BookMarked}
      />
      {/* No page lists every user's connections (Connections lists only the viewer's own), so this
          tile links nowhere rather than to a list that doesn't match its count. */}
      <CountTile
        label="Connections"
        value={counts.connections}
        hint="of every user, to any server"
        icon={Cable}
      />
      {/* Active tokens of every user, the same set as the "All tokens" view. The overview needs
          system.read, which only Admins and Owners hold, and they hold token.revoke_any too. */}
      <CountTile
        label="API tokens"
        value={counts.apiTokens}
        hint="active, of every user"
        href="/tokens?view=all"
        icon={KeyRound}
      />
    </div>
  );
}
