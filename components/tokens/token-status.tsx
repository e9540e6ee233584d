"use client";

import { AlertTriangle, Ban, CircleCheck, Clock } from "lucide-react";
import { formatDate } from "@/components/lib/dates";
import { useIsHydrated, useNow } from "@/components/lib/use-now";
import { cn } from "@/components/lib/utils";
import { Badge } from "@/components/ui/badge";
import { formatTimeUntil, isExpiringSoon } from "./expiry";

export type TokenStatus = "active" | "expired" | "revoked";

const STATUS = {
  active: { label: "Active", variant: "success", icon: CircleCheck },
  expired: { label: "Expired", variant: "outline", icon: Clock },
  revoked: { label: "Revoked", variant: "destructive", icon: Ban },
} as const;

export function TokenStatusBadge({ status }: { status: TokenStatus }) {
  const { label, variant, icon: Icon } = STATUS[status];
  return (
    <Badge variant={variant} data-testid="token-status" data-status={status}>
      <Icon aria-hidden="true" />
      {label}
    </Badge>
  );
}

/**
 * When an active token stops working: a warning when that is within a week, and a quieter one when
 * it never expires (allowed, but a leaked token then works until someone revokes it).
 */
export function TokenExpiry({
  expiresAt,
  status,
  className,
}: {
  expiresAt: Date | null;
  status: TokenStatus;
  className?: string;
}) {
  const now = useNow();
  const isHydrated = useIsHydrated();
  if (expiresAt === null) {
    return (
      <span
        className={cn("inline-flex items-center gap-1 text-warning-foreground dark:text-warning", className)}
        title="A token without expiry works until it is revoked"
        data-testid="token-expiry"
        data-expiry="never"
      >
        <AlertTriangle className="size-3.5 shrink-0" aria-hidden="true" />
        Never expires
      </span>
    );
  }
  // The date is in the browser's time zone, so it appears after hydration.
  const exact = isHydrated ? formatDate(expiresAt) : "";
  if (status !== "active") {
    return (
      <span className={cn("text-muted-foreground", className)} data-testid="token-expiry">
        {status === "expired" ? `Expired ${exact}` : exact ? `Was to expire ${exact}` : ""}
      </span>
    );
  }
  if (isExpiringSoon(expiresAt, now)) {
    return (
      <Badge
        variant="warning"
        className={className}
        title={exact}
        data-testid="token-expiry"
        data-expiry="soon"
        suppressHydrationWarning
      >
        <Clock aria-hidden="true" />
        Expires {formatTimeUntil(expiresAt, now)}
      </Badge>
    );
  }
  return (
    <span className={className} title={exact} data-testid="token-expiry" suppressHydrationWarning>
      Expires {formatTimeUntil(expiresAt, now)}
    </span>
  );
}
