import { Archive, CircleCheck, CircleDashed, CircleX, Clock, Globe, Lock } from "lucide-react";
import { HEALTH_LABELS } from "@/app/(dashboard)/catalog/_components/labels";
import { cn } from "@/components/lib/utils";
import { Badge } from "@/components/ui/badge";
import { StatusDot } from "@/components/ui/status-dot";
import { SCOPE_LABELS, type ServerScope, type ServerStatus, STATUS_LABELS, STATUS_VARIANTS } from "./labels";

const STATUS_ICONS = {
  DRAFT: CircleDashed,
  PENDING_APPROVAL: Clock,
  APPROVED: CircleCheck,
  REJECTED: CircleX,
  RETIRED: Archive,
} as const;

/** Draft / Pending approval / Approved / Rejected / Retired, with an icon so colour is not the only signal. */
export function StatusBadge({ status, className }: { status: ServerStatus; className?: string }) {
  const Icon = STATUS_ICONS[status];
  return (
    <Badge
      variant={STATUS_VARIANTS[status]}
      className={className}
      data-testid="status-badge"
      data-status={status}
    >
      <Icon aria-hidden="true" />
      {STATUS_LABELS[status]}
    </Badge>
  );
}

/** Personal (only the owner) or Shared (through registries). */
export function ScopeBadge({ scope, className }: { scope: ServerScope; className?: string }) {
  const Icon = scope === "PERSONAL" ? Lock : Globe;
  return (
    <Badge variant="outline" className={className} data-testid="scope-badge" data-scope={scope}>
      <Icon aria-hidden="true" />
      {SCOPE_LABELS[scope]}
    </Badge>
  );
}

/** A health dot with its words ("Healthy", "Unreachable", "Not checked yet"). */
export function HealthLabel({
  status,
  className,
}: {
  status: "UNKNOWN" | "HEALTHY" | "UNHEALTHY";
  className?: string;
}) {
  const health = HEALTH_LABELS[status];
  return (
    <span className={cn("inline-flex items-center gap-1.5", className)}>
      <StatusDot status={health.dot} />
      {health.label}
    </span>
  );
}
