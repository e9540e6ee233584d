import type { RouterOutputs } from "@/components/lib/router-types";

/** Names for the publishing pages' enums; one wording everywhere a status or scope shows. */
export type ManagedServer = RouterOutputs["servers"]["get"];
export type ManagedVersion = ManagedServer["versions"][number];
export type ManagedServerRow = RouterOutputs["servers"]["list"][number];
export type ReviewQueueItem = RouterOutputs["servers"]["reviewQueue"][number];
export type CommandTemplate = RouterOutputs["servers"]["commandTemplates"]["templates"][number];

export type ServerStatus = ManagedServer["status"];
export type ServerScope = ManagedServer["scope"];
export type Transport = ManagedVersion["transport"];
export type ConfigTarget = ManagedVersion["configSchema"][number]["target"];

export const STATUS_LABELS: Record<ServerStatus, string> = {
  DRAFT: "Draft",
  PENDING_APPROVAL: "Pending approval",
  APPROVED: "Approved",
  REJECTED: "Rejected",
  RETIRED: "Retired",
};

export const STATUS_VARIANTS: Record<
  ServerStatus,
  "secondary" | "warning" | "success" | "destructive" | "outline"
> = {
  DRAFT: "secondary",
  PENDING_APPROVAL: "warning",
  APPROVED: "success",
  REJECTED: "destructive",
  RETIRED: "outline",
};

export const SCOPE_LABELS: Record<ServerScope, string> = { PERSONAL: "Personal", SHARED: "Shared" };

export const TRANSPORT_OPTIONS: { value: Transport; label: string; description: string }[] = [
  {
    value: "STREAMABLE_HTTP",
    label: "Remote, streamable HTTP",
    description: "An MCP server already running somewhere, reached at one URL (the current MCP transport).",
  },
  {
    value: "SSE",
    label: "Remote, HTTP + SSE",
    description: "An older remote server that still uses the legacy server-sent events transport.",
  },
  {
    value: "STDIO",
    label: "Package run by Gatehouse (stdio)",
    description:
      "An npm or Python package that Gatehouse starts for each user, from a command an admin allows.",
  },
];

export const TARGET_LABELS: Record<ConfigTarget, string> = {
  header: "HTTP header",
  "url-variable": "URL variable",
  env: "Environment variable",
  argument: "Command argument",
};

export function targetsFor(transport: Transport): ConfigTarget[] {
  return transport === "STDIO" ? ["env", "argument"] : ["header", "url-variable"];
}

export function isRemote(transport: Transport): boolean {
  return transport !== "STDIO";
}

/** "Pat Publisher" or their email when they have no name. */
export function personName(user: { name: string | null; email: string } | null | undefined): string {
  if (!user) return "someone";
  return user.name?.trim() || user.email;
}
