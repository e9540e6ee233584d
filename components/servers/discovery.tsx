"use client";

import { ChevronRight, Loader2, Radar, RefreshCw, TriangleAlert, Wrench } from "lucide-react";
import { pluralize } from "@/components/lib/format";
import { cn } from "@/components/lib/utils";
import { Button } from "@/components/ui/button";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ManagedVersion } from "./labels";

type Discovery = ManagedVersion["discovery"];
type Tool = NonNullable<ManagedVersion["capabilities"]>["tools"][number];

/**
 * How long after a submission or approval a version without results still counts as "discovering".
 * The worker answers within seconds (tools, or an error); past this, nothing was queued (Redis was
 * down, or the row came from a seed) and "Not discovered yet" with a refresh button is the truth.
 */
export const DISCOVERY_GRACE_MS = 60_000;

/**
 * Whether the worker is presumably still discovering this version: it was sent for discovery
 * (anything but a draft or a rejection) recently, and there is neither a result nor an error yet.
 * Rendering passes the time the data was fetched as `now`, so the server's HTML and the browser's
 * hydration agree.
 */
export function isAwaitingDiscovery(version: ManagedVersion, now = Date.now()): boolean {
  const { discovery } = version;
  if (discovery.discoveredAt !== null || discovery.error !== null) return false;
  if (awaitsApprovalToRun(version)) return false;
  if (version.status === "DRAFT" || version.status === "REJECTED" || version.status === "RETIRED")
    return false;
  const since = version.reviewedAt ?? version.submittedAt ?? version.createdAt;
  return now - new Date(since).getTime() < DISCOVERY_GRACE_MS;
}

/**
 * A stdio package is code the gateway runs, so nothing starts it (discovery included) before an
 * admin approves its version (server/services/servers/publish-version.ts, mayRunPackage).
 */
export function awaitsApprovalToRun(version: { transport: string; status: string }): boolean {
  return version.transport === "STDIO" && version.status !== "APPROVED";
}

/** "12 tools · 2 prompts · 4 resources". */
export function discoveryCounts(discovery: Discovery): string {
  return [
    pluralize(discovery.toolCount, "tool"),
    pluralize(discovery.promptCount, "prompt"),
    pluralize(discovery.resourceCount, "resource"),
  ].join(" · ");
}

/**
 * What Gatehouse found on the upstream for one version: counts, when, and the last error, plus a
 * refresh button. Everything from the upstream is text.
 */
export function DiscoverySummary({
  discovery,
  isDiscovering,
  awaitsApproval = false,
  onRefresh,
  isRefreshing,
  className,
}: {
  discovery: Discovery;
  isDiscovering: boolean;
  /** a stdio package not approved yet: not run, so not discovered (awaitsApprovalToRun) */
  awaitsApproval?: boolean;
  onRefresh?: () => void;
  isRefreshing?: boolean;
  className?: string;
}) {
  return (
    <div className={cn("space-y-2", className)} data-testid="discovery">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <div className="flex min-w-0 items-center gap-2 text-sm">
          {isDiscovering ? (
            <>
              <Loader2 className="size-4 shrink-0 animate-spin text-muted-foreground" aria-hidden="true" />
              <span role="status">Discovering tools…</span>
            </>
          ) : awaitsApproval && !discovery.discoveredAt ? (
            <>
              <Radar className="size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
              <span className="text-muted-foreground" data-testid="discovery-awaits-approval">
                Tools are discovered once this version is approved: Gatehouse runs no stdio package before.
              </span>
            </>
          ) : discovery.discoveredAt ? (
            <>
              <Wrench className="size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
              <span data-testid="discovery-counts">{discoveryCounts(discovery)}</span>
              <span className="text-muted-foreground">
                · discovered <RelativeTime date={discovery.discoveredAt} />
              </span>
            </>
          ) : (
            <>
              <Radar className="size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
              <span className="text-muted-foreground">Not discovered yet</span>
            </>
          )}
        </div>
        {onRefresh && !awaitsApproval && (
          <Button
            variant="outline"
            size="sm"
            className="ml-auto"
            onClick={onRefresh}
            disabled={isRefreshing || isDiscovering}
            data-testid="refresh-discovery"
          >
            <RefreshCw className={cn(isRefreshing && "animate-spin")} aria-hidden="true" />
            Refresh discovery
          </Button>
        )}
      </div>
      {discovery.error && !isDiscovering && (
        <p
          className="flex items-start gap-2 rounded-md border border-destructive/30 bg-destructive/5 px-3 py-2 text-sm"
          data-testid="discovery-error"
        >
          <TriangleAlert className="mt-0.5 size-4 shrink-0 text-destructive" aria-hidden="true" />
          <span className="min-w-0 break-words">
            <span className="font-medium">Gatehouse couldn't reach the server: </span>
            <span className="font-mono text-xs">{discovery.error}</span>
          </span>
        </p>
      )}
    </div>
  );
}

/** The discovered tools, folded: name and description, as text. */
export function ToolsDisclosure({ tools, defaultOpen = false }: { tools: Tool[]; defaultOpen?: boolean }) {
  if (tools.length === 0) return null;
  return (
    <details className="group rounded-lg border" open={defaultOpen} data-testid="tools-disclosure">
      <summary className="flex cursor-pointer list-none items-center gap-1.5 rounded-lg px-3 py-2 text-sm font-medium outline-none select-none hover:bg-accent/50 focus-visible:ring-[3px] focus-visible:ring-ring/50 [&::-webkit-details-marker]:hidden">
        <ChevronRight className="size-4 transition-transform group-open:rotate-90" aria-hidden="true" />
        {tools.length === 1 ? "Show the tool" : `Show ${tools.length} tools`}
      </summary>
      <ul className="max-h-96 divide-y overflow-y-auto border-t">
        {tools.map((tool) => (
          <li
            key={tool.name}
            className="space-y-0.5 px-3 py-2"
            data-testid="discovered-tool"
            data-name={tool.name}
          >
            <p className="break-all font-mono text-xs font-semibold">{tool.name}</p>
            {tool.description && (
              <p className="line-clamp-3 whitespace-pre-line break-words text-xs text-muted-foreground">
                {tool.description}
              </p>
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}
