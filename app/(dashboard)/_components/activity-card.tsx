"use client";

import { useQuery } from "@tanstack/react-query";
import { ActivityChart } from "@/components/charts/activity-chart";
import { formatNumber } from "@/components/lib/format";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { OVERVIEW_REFRESH_MS } from "./installation-counts";

/** Audit events per hour over the last day. */
export function ActivityCard() {
  const trpc = useTRPC();
  const overview = useQuery({
    ...trpc.system.getOverview.queryOptions(),
    refetchInterval: OVERVIEW_REFRESH_MS,
  });
  const total = overview.data?.activity.reduce((sum, point) => sum + point.events, 0);

  return (
    <Card data-testid="activity-chart">
      <CardHeader>
        <div className="space-y-1">
          <CardTitle as="h2">Activity</CardTitle>
          <CardDescription>Audit events per hour over the last 24 hours.</CardDescription>
        </div>
        <CardAction className="flex-col items-end gap-0">
          {total === undefined ? (
            <Skeleton className="h-7 w-12" />
          ) : (
            <>
              <span className="text-2xl font-semibold tabular-nums tracking-tight">
                {formatNumber(total)}
              </span>
              <span className="text-xs text-muted-foreground">{total === 1 ? "event" : "events"}</span>
            </>
          )}
        </CardAction>
      </CardHeader>
      <CardContent>
        {overview.isPending ? (
          <Skeleton className="h-52 w-full" />
        ) : overview.isError && !overview.data ? (
          <ErrorState
            title="Couldn't load the activity"
            message={overview.error.message}
            onRetry={() => void overview.refetch()}
            isRetrying={overview.isFetching}
          />
        ) : (
          <ActivityChart data={overview.data.activity} />
        )}
      </CardContent>
    </Card>
  );
}
