"use client";

import { useQuery } from "@tanstack/react-query";
import { CircleCheck, CircleX, type LucideIcon, TriangleAlert } from "lucide-react";
import { pluralize } from "@/components/lib/format";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Card, CardAction, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";

type PostureStatus = "ok" | "warn" | "fail";

const STATUS: Record<
  PostureStatus,
  { icon: LucideIcon; label: string; iconClass: string; badge: "success" | "warning" | "destructive" }
> = {
  ok: { icon: CircleCheck, label: "OK", iconClass: "text-success", badge: "success" },
  warn: { icon: TriangleAlert, label: "Warning", iconClass: "text-warning", badge: "warning" },
  fail: { icon: CircleX, label: "Failing", iconClass: "text-destructive", badge: "destructive" },
};

function Summary({ checks }: { checks: { status: PostureStatus }[] }) {
  const failing = checks.filter((check) => check.status === "fail").length;
  const warnings = checks.filter((check) => check.status === "warn").length;
  if (failing > 0) return <Badge variant="destructive">{pluralize(failing, "problem")}</Badge>;
  if (warnings > 0) return <Badge variant="warning">{pluralize(warnings, "warning")}</Badge>;
  return <Badge variant="success">All checks pass</Badge>;
}

/** Weak secrets, missing TLS and the like, as computed by the server from its configuration. */
export function SecurityPosture() {
  const trpc = useTRPC();
  const posture = useQuery(trpc.system.getPosture.queryOptions());

  return (
    <Card data-testid="security-posture">
      <CardHeader className="pb-4">
        <div className="space-y-1">
          <CardTitle as="h2">Security posture</CardTitle>
          <CardDescription>
            Checked from this server's configuration. In production, a failing secret stops Gatehouse from
            starting.
          </CardDescription>
        </div>
        {posture.data && (
          <CardAction>
            <Summary checks={posture.data} />
          </CardAction>
        )}
      </CardHeader>
      {posture.isPending ? (
        <div className="space-y-4 border-t px-5 py-5">
          {["a", "b", "c", "d"].map((key) => (
            <div key={key} className="flex items-center gap-3">
              <Skeleton className="size-5 rounded-full" />
              <div className="flex-1 space-y-1.5">
                <Skeleton className="h-4 w-40" />
                <Skeleton className="h-3 w-72 max-w-full" />
              </div>
            </div>
          ))}
        </div>
      ) : posture.isError ? (
        <div className="px-5 pb-5">
          <ErrorState
            title="Couldn't load the security posture"
            message={posture.error.message}
            onRetry={() => void posture.refetch()}
            isRetrying={posture.isFetching}
          />
        </div>
      ) : (
        <ul className="divide-y border-t">
          {posture.data.map((check) => {
            const status = STATUS[check.status];
            const Icon = status.icon;
            return (
              <li
                key={check.name}
                data-testid="posture-check"
                data-status={check.status}
                className="flex items-start gap-3 px-5 py-3.5"
              >
                <Icon className={cn("mt-0.5 size-5 shrink-0", status.iconClass)} aria-hidden="true" />
                <div className="min-w-0 flex-1">
                  <p className="text-sm font-medium">{check.name}</p>
                  <p className="break-words text-sm text-muted-foreground">{check.detail}</p>
                </div>
                <Badge variant={status.badge} className="mt-0.5">
                  {status.label}
                </Badge>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
