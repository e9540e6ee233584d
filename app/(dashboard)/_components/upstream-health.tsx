"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { RefreshCw, ServerOff } from "lucide-react";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { toast } from "sonner";
import { formatLatency, pluralize } from "@/components/lib/format";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import { type Health, StatusDot } from "@/components/ui/status-dot";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { OVERVIEW_REFRESH_MS } from "./installation-counts";

/** After "Check now", how long and how often to look for the worker's results. */
const POLL_WINDOW_MS = 30_000;
const POLL_INTERVAL_MS = 2_000;

const TRANSPORT_LABELS: Record<string, string> = {
  STREAMABLE_HTTP: "Streamable HTTP",
  SSE: "SSE",
  STDIO: "stdio",
};

const HEALTH: Record<"UNKNOWN" | "HEALTHY" | "UNHEALTHY", { dot: Health; label: string; text: string }> = {
  HEALTHY: { dot: "ok", label: "Healthy", text: "text-success" },
  UNHEALTHY: { dot: "fail", label: "Unhealthy", text: "text-destructive" },
  UNKNOWN: { dot: "unknown", label: "Not checked yet", text: "text-muted-foreground" },
};

function TableSkeleton() {
  return (
    <div className="space-y-3 px-5 pb-5">
      {["a", "b", "c"].map((key) => (
        <div key={key} className="flex items-center gap-4">
          <Skeleton className="h-4 w-40" />
          <Skeleton className="h-4 w-24" />
          <Skeleton className="h-4 w-20" />
          <Skeleton className="ml-auto h-4 w-16" />
        </div>
      ))}
    </div>
  );
}

/**
 * Approved servers and whether their upstreams answer. "Check now" queues a check of each; the worker
 * writes results to the database, so the table polls for a while until every row has a newer result.
 */
export function UpstreamHealth() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [isPolling, setIsPolling] = useState(false);
  // Each server's last check time when "Check now" was pressed; done when every one has moved on.
  const baseline = useRef<Map<string, number> | null>(null);

  const overview = useQuery({
    ...trpc.system.getOverview.queryOptions(),
    refetchInterval: isPolling ? POLL_INTERVAL_MS : OVERVIEW_REFRESH_MS,
  });
  const upstreams = overview.data?.upstreams;

  const checkNow = useMutation(
    trpc.system.checkUpstreams.mutationOptions({
      onSuccess: () => {
        baseline.current = new Map(
          (upstreams ?? []).map((row) => [row.id, row.healthCheckedAt?.getTime() ?? 0]),
        );
        setIsPolling(true);
        const worker = queryClient.getQueryData(trpc.system.getStatus.queryKey())?.worker;
        if (worker && !worker.ok) {
          toast.warning("Check queued, but no worker is running", {
            description: "Start one with npm run worker; the checks run as soon as it is up.",
          });
        } else {
          toast.success("Health check queued", {
            description:
              "The worker is checking every approved server. This table updates as results arrive.",
          });
        }
        void queryClient.invalidateQueries({ queryKey: trpc.system.getStatus.queryKey() });
      },
      onError: (error) => {
        toast.error("Couldn't queue the health check", { description: error.message });
      },
    }),
  );

  // Stop polling once every server has a result newer than the one it had when the check started.
  useEffect(() => {
    if (!isPolling || !upstreams || !baseline.current) return;
    const before = baseline.current;
    const isDone = upstreams.every(
      (row) => (row.healthCheckedAt?.getTime() ?? 0) > (before.get(row.id) ?? 0),
    );
    if (!isDone) return;
    setIsPolling(false);
    baseline.current = null;
    const unhealthy = upstreams.filter((row) => row.healthStatus === "UNHEALTHY").length;
    if (unhealthy > 0) {
      toast.error(`${pluralize(unhealthy, "upstream")} unhealthy`, {
        description: `${upstreams.length - unhealthy} of ${upstreams.length} answered.`,
      });
    } else {
      toast.success("All upstreams healthy", {
        description: `${pluralize(upstreams.length, "server")} checked.`,
      });
    }
  }, [isPolling, upstreams]);

  // Give up after the window; whatever arrives later shows up with the regular refresh.
  useEffect(() => {
    if (!isPolling) return;
    const timer = setTimeout(() => {
      setIsPolling(false);
      baseline.current = null;
      toast.info("Some checks have not reported yet", {
        description: "Their results will appear here when the worker finishes them.",
      });
    }, POLL_WINDOW_MS);
    return () => clearTimeout(timer);
  }, [isPolling]);

  const isBusy = checkNow.isPending || isPolling;
  const hasRows = (upstreams?.length ?? 0) > 0;

  return (
    <Card data-testid="upstream-health">
      <CardHeader className="pb-4">
        <div className="space-y-1">
          <CardTitle as="h2">Upstream health</CardTitle>
          <CardDescription>Whether the MCP servers behind approved catalog entries answer.</CardDescription>
        </div>
        <CardAction>
          <Button
            variant="outline"
            size="sm"
            onClick={() => checkNow.mutate()}
            disabled={isBusy || !hasRows}
            aria-describedby={isBusy ? "upstream-check-status" : undefined}
          >
            <RefreshCw className={cn(isBusy && "animate-spin")} aria-hidden="true" />
            {isBusy ? "Checking…" : "Check now"}
          </Button>
        </CardAction>
      </CardHeader>
      <p id="upstream-check-status" className="sr-only" aria-live="polite">
        {isBusy ? "Checking upstreams; the table updates as results arrive." : ""}
      </p>

      {overview.isPending ? (
        <TableSkeleton />
      ) : overview.isError && !overview.data ? (
        <div className="px-5 pb-5">
          <ErrorState
            title="Couldn't load upstream health"
            message={overview.error.message}
            onRetry={() => void overview.refetch()}
            isRetrying={overview.isFetching}
          />
        </div>
      ) : !upstreams || upstreams.length === 0 ? (
        <EmptyState
          className="border-t"
          icon={ServerOff}
          title="No approved servers yet"
          description="Once an admin approves a server on the Reviews page, its upstream is checked here every few minutes."
          action={
            <Button variant="outline" size="sm" asChild>
              <Link href="/reviews">Open Reviews</Link>
            </Button>
          }
        />
      ) : (
        <div className="border-t">
          <Table>
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead>Server</TableHead>
                <TableHead className="hidden md:table-cell">Transport</TableHead>
                <TableHead>Status</TableHead>
                <TableHead className="hidden text-right sm:table-cell">Latency</TableHead>
                <TableHead className="hidden text-right md:table-cell">Tools</TableHead>
                <TableHead className="text-right">Last checked</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {upstreams.map((row) => {
                const health = HEALTH[row.healthStatus];
                return (
                  <TableRow
                    key={row.id}
                    data-testid="upstream-row"
                    data-health={row.healthStatus.toLowerCase()}
                  >
                    <TableCell className="max-w-64">
                      <p className="truncate font-medium">{row.name}</p>
                      <p className="truncate font-mono text-xs text-muted-foreground">{row.slug}</p>
                    </TableCell>
                    <TableCell className="hidden md:table-cell">
                      <Badge variant="outline" className="font-normal">
                        {row.transport ? (TRANSPORT_LABELS[row.transport] ?? row.transport) : "Unknown"}
                      </Badge>
                    </TableCell>
                    <TableCell className="min-w-40 max-w-md">
                      <span className={cn("inline-flex items-center gap-2 font-medium", health.text)}>
                        <StatusDot status={health.dot} />
                        {health.label}
                      </span>
                      {row.healthError && (
                        // Upstream text: shown as plain text only, and clipped to keep the table readable.
                        <p
                          className="mt-1 line-clamp-2 break-words text-xs text-muted-foreground"
                          title={row.healthError}
                        >
                          {row.healthError}
                        </p>
                      )}
                    </TableCell>
                    <TableCell className="hidden whitespace-nowrap text-right tabular-nums sm:table-cell">
                      {row.healthStatus === "UNKNOWN" ? "—" : formatLatency(row.healthLatencyMs)}
                    </TableCell>
                    <TableCell className="hidden text-right tabular-nums md:table-cell">
                      {row.toolCount ?? "—"}
                    </TableCell>
                    <TableCell className="whitespace-nowrap text-right text-muted-foreground">
                      {row.healthCheckedAt ? (
                        <>
                          checked <RelativeTime date={row.healthCheckedAt} />
                        </>
                      ) : (
                        "never"
                      )}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </div>
      )}
    </Card>
  );
}
