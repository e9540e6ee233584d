import { Ban, CircleCheck, CircleX, type LucideIcon, ServerCrash, ShieldX, TimerOff } from "lucide-react";
import type { RouterOutputs } from "@/components/lib/router-types";
import { Badge, type BadgeProps } from "@/components/ui/badge";
import { CLI_USER_AGENT } from "@/server/audit/record";
import type { AuditOutcomeFilter } from "@/server/services/audit/list-audit-events";
import { OUTCOME_LABELS } from "./audit-filters";

export type AuditEvent = RouterOutputs["audit"]["list"]["items"][number];

const OUTCOME_STYLES: Record<AuditOutcomeFilter, { variant: BadgeProps["variant"]; icon: LucideIcon }> = {
  OK: { variant: "success", icon: CircleCheck },
  DENIED: { variant: "destructive", icon: ShieldX },
  UPSTREAM_ERROR: { variant: "warning", icon: ServerCrash },
  TIMEOUT: { variant: "warning", icon: TimerOff },
  ERROR: { variant: "destructive", icon: CircleX },
  CANCELLED: { variant: "secondary", icon: Ban },
};

/** The outcome in words with an icon, so colour is not the only signal. */
export function OutcomeBadge({ outcome }: { outcome: AuditOutcomeFilter }) {
  const { variant, icon: Icon } = OUTCOME_STYLES[outcome];
  return (
    <Badge variant={variant} data-testid="outcome-badge" data-outcome={outcome}>
      <Icon aria-hidden="true" />
      {OUTCOME_LABELS[outcome]}
    </Badge>
  );
}

/**
 * Who acted, in words. An event without an actor was either made by the operator through the CLI,
 * by the installation itself (the demo seed), or refused before anyone was identified.
 */
export function actorOf(event: AuditEvent): { label: string; detail: string | null } {
  const { actor } = event;
  if (actor) {
    const name = actor.name?.trim();
    if (name) return { label: name, detail: actor.email };
    if (actor.email) return { label: actor.email, detail: null };
    // Audit rows outlive user rows: the trail keeps the id of someone since deleted.
    return { label: "Deleted user", detail: actor.id };
  }
  if (event.userAgent === CLI_USER_AGENT) return { label: "Gatehouse CLI", detail: null };
  if (event.action.startsWith("system.")) return { label: "Gatehouse", detail: null };
  return { label: "Unknown", detail: null };
}

export function tokenLabel(token: NonNullable<AuditEvent["token"]>): string {
  return token.name?.trim() || "a deleted token";
}

export function connectionLabel(connection: NonNullable<AuditEvent["connection"]>): string {
  return connection.name?.trim() || "a deleted connection";
}

export function isMcpEvent(event: AuditEvent): boolean {
  return event.action.startsWith("mcp.");
}

/** "tools/call · echo", or whichever of the two the event has. */
export function mcpSummary(event: AuditEvent): string | null {
  const parts = [event.method, event.subject].filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join(" · ") : null;
}
