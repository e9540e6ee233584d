import type { Health } from "@/components/ui/status-dot";

export const TRANSPORT_LABELS: Record<"STREAMABLE_HTTP" | "SSE" | "STDIO", string> = {
  STREAMABLE_HTTP: "Streamable HTTP",
  SSE: "HTTP + SSE",
  STDIO: "stdio",
};

export const HEALTH_LABELS: Record<"UNKNOWN" | "HEALTHY" | "UNHEALTHY", { dot: Health; label: string }> = {
  HEALTHY: { dot: "ok", label: "Healthy" },
  UNHEALTHY: { dot: "fail", label: "Unreachable" },
  UNKNOWN: { dot: "unknown", label: "Not checked yet" },
};

export const CONNECTION_STATUS: Record<
  "CONFIGURED" | "NEEDS_CONFIGURATION" | "UPSTREAM_AUTH_NEEDED",
  { label: string; variant: "success" | "warning" }
> = {
  CONFIGURED: { label: "Ready", variant: "success" },
  NEEDS_CONFIGURATION: { label: "Needs configuration", variant: "warning" },
  UPSTREAM_AUTH_NEEDED: { label: "Sign-in needed", variant: "warning" },
};
