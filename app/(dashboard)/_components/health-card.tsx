import type { LucideIcon } from "lucide-react";
import type { ReactNode } from "react";
import { cn } from "@/components/lib/utils";
import { Card } from "@/components/ui/card";
import { type Health, StatusDot } from "@/components/ui/status-dot";

const STATE_TEXT: Record<Health, string> = {
  ok: "text-success",
  warn: "text-warning-foreground dark:text-warning",
  fail: "text-destructive",
  unknown: "text-muted-foreground",
};

/** One dependency's health: name, a coloured state with words, and a line or two of detail. */
export function HealthCard({
  testId,
  health,
  icon: Icon,
  title,
  stateLabel,
  children,
}: {
  testId?: string;
  health: Health;
  icon: LucideIcon;
  title: string;
  stateLabel: string;
  children: ReactNode;
}) {
  return (
    <Card
      data-testid={testId}
      // End-to-end tests assert data-state="ok"; warn/unknown count as not ok.
      data-state={health === "ok" ? "ok" : "fail"}
      className="flex flex-col gap-3 p-4"
    >
      <div className="flex items-center justify-between gap-3">
        <h3 className="flex items-center gap-2 text-sm font-medium">
          <Icon className="size-4 text-muted-foreground" aria-hidden="true" />
          {title}
        </h3>
        <span className={cn("inline-flex items-center gap-1.5 text-xs font-medium", STATE_TEXT[health])}>
          <StatusDot status={health} />
          {stateLabel}
        </span>
      </div>
      <div className="space-y-0.5 text-sm">{children}</div>
    </Card>
  );
}
