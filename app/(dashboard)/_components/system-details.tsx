"use client";

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { formatLatency, formatNumber, pluralize } from "@/components/lib/format";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Card, CardAction, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import { type Health, StatusDot } from "@/components/ui/status-dot";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { STATUS_REFRESH_MS } from "./system-status-cards";

function Row({
  label,
  health,
  state,
  children,
}: {
  label: string;
  health: Health;
  state: string;
  children?: ReactNode;
}) {
  return (
    <div className="grid gap-1 px-5 py-3 sm:grid-cols-[10rem_1fr] sm:gap-4">
      <dt className="text-sm text-muted-foreground">{label}</dt>
      <dd className="min-w-0 text-sm">
        <span
          className={cn(
            "inline-flex items-center gap-2 font-medium",
            health === "ok" ? "text-foreground" : "text-destructive",
          )}
        >
          <StatusDot status={health} />
          {state}
        </span>
        {children && <div className="mt-0.5 break-words text-muted-foreground">{children}</div>}
      </dd>
    </div>
  );
}

/** The services behind Gatehouse and its job queues, in more detail than the overview. */
export function SystemDetails() {
  const trpc = useTRPC();
  const status = useQuery({ ...trpc.system.getStatus.queryOptions(), refetchInterval: STATUS_REFRESH_MS });

  if (status.isPending) {
    return (
      <Card className="space-y-4 p-5">
        <Skeleton className="h-4 w-32" />
        {["a", "b", "c"].map((key) => (
          <Skeleton key={key} className="h-4 w-full max-w-md" />
        ))}
      </Card>
    );
  }
  if (status.isError && !status.data) {
    return (
      <ErrorState
        title="Couldn't load the system details"
        message={status.error.message}
        onRetry={() => void status.refetch()}
        isRetrying={status.isFetching}
      />
    );
  }

  const { database, redis, worker, queues, queuesError, checkedAt } = status.data;
  const beat = worker.heartbeat;

  return (
    <div className="space-y-6">
      <Card data-testid="system-details">
        <CardHeader className="pb-4">
          <div className="space-y-1">
            <CardTitle as="h3">Services</CardTitle>
            <CardDescription>
              Refreshed every {STATUS_REFRESH_MS / 1000} s; last checked <RelativeTime date={checkedAt} />.
            </CardDescription>
          </div>
        </CardHeader>
        <dl className="divide-y border-t">
          <Row
            label="PostgreSQL"
            health={database.ok ? "ok" : "fail"}
            state={database.ok ? "Healthy" : "Down"}
          >
            {database.ok ? `Responded in ${formatLatency(database.latencyMs)}` : database.error}
          </Row>
          <Row label="Redis" health={redis.ok ? "ok" : "fail"} state={redis.ok ? "Healthy" : "Down"}>
            {redis.ok ? `Responded in ${formatLatency(redis.latencyMs)}` : redis.error}
          </Row>
          <Row
            label="Worker"
            health={worker.ok ? "ok" : "fail"}
            state={worker.ok ? "Running" : "Not running"}
          >
            {beat ? (
              <>
                Last beat <RelativeTime date={beat.at} /> · pid {beat.pid} on {beat.hostname} · started{" "}
                <RelativeTime date={beat.startedAt} /> · {pluralize(beat.processed, "job")} processed
              </>
            ) : (
              "No heartbeat received. Start a worker with npm run worker."
            )}
          </Row>
        </dl>
      </Card>

      <Card data-testid="queues">
        <CardHeader className="pb-4">
          <div className="space-y-1">
            <CardTitle as="h3">Queues</CardTitle>
            <CardDescription>
              Background jobs the worker runs, such as upstream health checks.
            </CardDescription>
          </div>
          {queues.length > 0 && (
            <CardAction className="text-xs text-muted-foreground">
              {pluralize(queues.length, "queue")}
            </CardAction>
          )}
        </CardHeader>
        {queues.length === 0 ? (
          <EmptyState
            className="border-t"
            title={queuesError ? "Queues are unavailable" : "No queues"}
            description={queuesError ?? "No job queues are defined."}
          />
        ) : (
          <div className="border-t">
            <Table>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead>Queue</TableHead>
                  <TableHead className="text-right">Waiting</TableHead>
                  <TableHead className="text-right">Active</TableHead>
                  <TableHead className="text-right">Delayed</TableHead>
                  <TableHead className="text-right">Completed</TableHead>
                  <TableHead className="text-right">Failed</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {queues.map((queue) => (
                  <TableRow key={queue.name} data-testid="queue-row">
                    <TableCell className="font-mono text-xs">{queue.name}</TableCell>
                    <TableCell className="text-right tabular-nums">{formatNumber(queue.waiting)}</TableCell>
                    <TableCell className="text-right tabular-nums">{formatNumber(queue.active)}</TableCell>
                    <TableCell className="text-right tabular-nums">{formatNumber(queue.delayed)}</TableCell>
                    <TableCell className="text-right tabular-nums">{formatNumber(queue.completed)}</TableCell>
                    <TableCell
                      className={cn(
                        "text-right tabular-nums",
                        queue.failed > 0 && "font-medium text-destructive",
                      )}
                    >
                      {formatNumber(queue.failed)}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
        )}
      </Card>
    </div>
  );
}
