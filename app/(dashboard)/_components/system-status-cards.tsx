"use client";

import { useQuery } from "@tanstack/react-query";
import { Cpu, Database, Layers, Zap } from "lucide-react";
import { formatLatency, formatNumber, pluralize } from "@/components/lib/format";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Card } from "@/components/ui/card";
import { ErrorState } from "@/components/ui/error-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import { HealthCard } from "./health-card";

export const STATUS_REFRESH_MS = 10_000;

type Dependency = { ok: boolean; latencyMs: number; error?: string };

function DependencyDetail({ check }: { check: Dependency }) {
  if (check.ok) {
    return (
      <>
        <p className="font-medium tabular-nums">Responded in {formatLatency(check.latencyMs)}</p>
        <p className="text-xs text-muted-foreground">Checked every {STATUS_REFRESH_MS / 1000} s</p>
      </>
    );
  }
  return (
    <>
      <p className="font-medium text-destructive">Not reachable</p>
      <p className="break-words text-xs text-muted-foreground">{check.error ?? "No answer."}</p>
    </>
  );
}

export function SystemStatusSkeleton() {
  return (
    <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
      {["database", "redis", "worker", "queues"].map((key) => (
        <Card key={key} className="space-y-4 p-4">
          <div className="flex justify-between">
            <Skeleton className="h-4 w-24" />
            <Skeleton className="h-4 w-16" />
          </div>
          <div className="space-y-2">
            <Skeleton className="h-4 w-32" />
            <Skeleton className="h-3 w-40" />
          </div>
        </Card>
      ))}
    </div>
  );
}

/** PostgreSQL, Redis, worker and queues at a glance, refreshed every few seconds. */
export function SystemStatusCards() {
  const trpc = useTRPC();
  const status = useQuery({ ...trpc.system.getStatus.queryOptions(), refetchInterval: STATUS_REFRESH_MS });

  if (status.isPending) return <SystemStatusSkeleton />;
  if (status.isError && !status.data) {
    return (
      <ErrorState
        title="Couldn't load the system status"
        message={status.error.message}
        onRetry={() => void status.refetch()}
        isRetrying={status.isFetching}
      />
    );
  }

  const { database, redis, worker, queues } = status.data;
  const beat = worker.heartbeat;
  const totals = queues.reduce(
    (sum, queue) => ({
      waiting: sum.waiting + queue.waiting,
      active: sum.active + queue.active,
      delayed: sum.delayed + queue.delayed,
      failed: sum.failed + queue.failed,
      completed: sum.completed + queue.completed,
    }),
    { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 },
  );
  const queueHealth = !redis.ok ? "unknown" : totals.failed > 0 ? "warn" : "ok";
  const queueLabel = !redis.ok
    ? "Unavailable"
    : totals.failed > 0
      ? `${formatNumber(totals.failed)} failed`
      : totals.active > 0
        ? "Working"
        : "Idle";

  return (
    <div className="space-y-3">
      {status.isError && (
        <ErrorState
          title="Couldn't refresh the system status; showing the last known state"
          message={status.error.message}
          onRetry={() => void status.refetch()}
          isRetrying={status.isFetching}
        />
      )}
      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <HealthCard
          testId="status-database"
          health={database.ok ? "ok" : "fail"}
          icon={Database}
          title="PostgreSQL"
          stateLabel={database.ok ? "Healthy" : "Down"}
        >
          <DependencyDetail check={database} />
        </HealthCard>
        <HealthCard
          testId="status-redis"
          health={redis.ok ? "ok" : "fail"}
          icon={Zap}
          title="Redis"
          stateLabel={redis.ok ? "Healthy" : "Down"}
        >
          <DependencyDetail check={redis} />
        </HealthCard>
        <HealthCard
          testId="status-worker"
          health={worker.ok ? "ok" : "fail"}
          icon={Cpu}
          title="Worker"
          stateLabel={worker.ok ? "Running" : "Not running"}
        >
          {beat ? (
            <>
              <p className="font-medium">
                Last beat <RelativeTime date={beat.at} />
              </p>
              <p className="text-xs text-muted-foreground">
                pid {beat.pid} on {beat.hostname} · {pluralize(beat.processed, "job")} processed
              </p>
            </>
          ) : (
            <>
              <p className="font-medium text-destructive">No heartbeat received</p>
              <p className="text-xs text-muted-foreground">
                Start one with <code className="font-mono">npm run worker</code>
              </p>
            </>
          )}
        </HealthCard>
        <HealthCard
          testId="status-queues"
          health={queueHealth}
          icon={Layers}
          title="Queues"
          stateLabel={queueLabel}
        >
          {redis.ok ? (
            <>
              <p className="font-medium tabular-nums">
                {formatNumber(totals.waiting)} waiting · {formatNumber(totals.active)} active
              </p>
              <p className="text-xs tabular-nums text-muted-foreground">
                {formatNumber(totals.delayed)} delayed · {formatNumber(totals.completed)} completed ·{" "}
                {formatNumber(totals.failed)} failed
              </p>
            </>
          ) : (
            <p className="text-xs text-muted-foreground">Unknown while Redis is down.</p>
          )}
        </HealthCard>
      </div>
    </div>
  );
}
