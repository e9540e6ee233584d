import { Badge, type BadgeProps } from "@/components/ui/badge";

export type ConnectionStatus = "CONFIGURED" | "NEEDS_CONFIGURATION" | "UPSTREAM_AUTH_NEEDED";

type StatusView = { key: string; label: string; variant: NonNullable<BadgeProps["variant"]> };

/** What a connection's state is called, the one place the words and colours are chosen. */
export function connectionStatusView(status: ConnectionStatus, isAvailable: boolean): StatusView {
  // Lost access wins over anything else: the proxy refuses the connection whatever its status.
  if (!isAvailable) return { key: "unavailable", label: "No longer available", variant: "destructive" };
  switch (status) {
    case "CONFIGURED":
      return { key: "configured", label: "Configured", variant: "success" };
    case "NEEDS_CONFIGURATION":
      return { key: "needs-configuration", label: "Needs configuration", variant: "warning" };
    case "UPSTREAM_AUTH_NEEDED":
      return { key: "upstream-auth-needed", label: "Upstream authorization needed", variant: "warning" };
  }
}

export function ConnectionStatusBadge({
  status,
  isAvailable,
  className,
}: {
  status: ConnectionStatus;
  isAvailable: boolean;
  className?: string;
}) {
  const view = connectionStatusView(status, isAvailable);
  return (
    <Badge
      variant={view.variant}
      className={className}
      data-testid="connection-status"
      data-status={view.key}
    >
      {view.label}
    </Badge>
  );
}
