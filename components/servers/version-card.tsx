"use client";

import { CheckCircle2, Lock, MessageSquareWarning, Pencil, Send, ThumbsDown, ThumbsUp } from "lucide-react";
import type { ReactNode } from "react";
import { TRANSPORT_LABELS } from "@/app/(dashboard)/catalog/_components/labels";
import { cn } from "@/components/lib/utils";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { RelativeTime } from "@/components/ui/relative-time";
import { formatCommandLine } from "./command-template";
import { awaitsApprovalToRun, DiscoverySummary, ToolsDisclosure } from "./discovery";
import { type ManagedVersion, personName, TARGET_LABELS } from "./labels";
import { StatusBadge } from "./status-badges";

/** Where a version runs, as one line of code: its URL or its command line. */
export function RunsOn({
  transport,
  url,
  command,
  args,
  className,
}: {
  transport: ManagedVersion["transport"];
  url: string | null;
  command: string | null;
  args: string[];
  className?: string;
}) {
  return (
    <div className={cn("flex min-w-0 flex-col gap-1.5 sm:flex-row sm:items-baseline sm:gap-3", className)}>
      <span className="shrink-0 text-xs font-medium text-muted-foreground">
        {TRANSPORT_LABELS[transport]}
      </span>
      <code
        className="min-w-0 break-all rounded-md bg-muted/60 px-2 py-1 font-mono text-xs"
        data-testid="runs-on"
      >
        {transport === "STDIO" ? formatCommandLine(command ?? "", args) : (url ?? "")}
      </code>
    </div>
  );
}

function ConfigList({ version }: { version: ManagedVersion }) {
  if (version.configSchema.length === 0) {
    return (
      <p className="text-sm text-muted-foreground">No configuration: connecting needs nothing from users.</p>
    );
  }
  const secretsSet = new Set(version.sharedSecretsSet);
  return (
    <ul className="divide-y rounded-lg border" data-testid="version-config">
      {version.configSchema.map((field) => {
        let value: ReactNode;
        if (!field.perUser) {
          if (field.secret) {
            value = secretsSet.has(field.name) ? (
              <Badge variant="success" className="font-normal">
                <CheckCircle2 aria-hidden="true" />
                set
              </Badge>
            ) : (
              <Badge variant="warning" className="font-normal">
                not set
              </Badge>
            );
          } else {
            const shared = version.sharedConfig[field.name];
            value = shared ? (
              <code className="break-all font-mono text-xs">{shared}</code>
            ) : (
              <span className="text-xs text-muted-foreground">not set</span>
            );
          }
        } else if (field.default !== null) {
          value = (
            <span className="text-xs text-muted-foreground">
              default <code className="font-mono">{field.default}</code>
            </span>
          );
        }
        return (
          <li
            key={field.name}
            className="flex flex-col gap-1.5 px-3 py-2.5 sm:flex-row sm:items-center sm:gap-3"
          >
            <div className="min-w-0 flex-1">
              <p className="flex flex-wrap items-center gap-x-2 gap-y-0.5 text-sm">
                <span className="font-medium break-words">{field.label}</span>
                <code className="break-all font-mono text-xs text-muted-foreground">{field.name}</code>
              </p>
              <p className="text-xs text-muted-foreground">
                {TARGET_LABELS[field.target]} · {field.perUser ? "each user" : "shared, set by the publisher"}
                {field.required ? " · required" : ""}
              </p>
            </div>
            <div className="flex shrink-0 flex-wrap items-center gap-1.5">
              {field.secret && (
                <Badge variant="outline" className="font-normal">
                  <Lock aria-hidden="true" />
                  Secret
                </Badge>
              )}
              {value}
            </div>
          </li>
        );
      })}
    </ul>
  );
}

export type VersionActions = {
  /** label of the publish action ("Publish" or "Submit for approval"), when the version can be sent */
  submitLabel?: string;
  onSubmit?: () => void;
  onEdit?: () => void;
  onApprove?: () => void;
  onReject?: () => void;
  onRefresh?: () => void;
  isBusy?: boolean;
  isRefreshing?: boolean;
  isDiscovering: boolean;
};

/** One version of a server: its state, what it runs, its configuration and discovery, and what can be done to it. */
export function VersionCard({ version, actions }: { version: ManagedVersion; actions: VersionActions }) {
  const hasButtons = actions.onSubmit || actions.onEdit || actions.onApprove || actions.onReject;
  return (
    <Card
      className={cn("overflow-hidden", version.isApproved && "border-success/40")}
      data-testid="version-card"
      data-version={version.version}
      data-status={version.status}
    >
      <div className="flex flex-wrap items-center gap-2 border-b bg-muted/30 px-5 py-3">
        <h3 className="font-mono text-sm font-semibold">v{version.version}</h3>
        <StatusBadge status={version.status} />
        {version.isApproved && (
          <Badge variant="outline" className="border-success/40 font-normal text-success">
            Live: new connections use this version
          </Badge>
        )}
        <p className="ml-auto text-xs text-muted-foreground">
          Created <RelativeTime date={version.createdAt} />
          {version.createdBy && ` by ${personName(version.createdBy)}`}
        </p>
      </div>
      <div className="space-y-4 px-5 py-4">
        <RunsOn
          transport={version.transport}
          url={version.url}
          command={version.command}
          args={version.args}
        />
        {version.reviewReason && (
          <div
            className={cn(
              "flex items-start gap-2 rounded-md border px-3 py-2 text-sm",
              version.status === "REJECTED" ? "border-destructive/30 bg-destructive/5" : "bg-muted/30",
            )}
            data-testid="review-reason"
          >
            <MessageSquareWarning
              className={cn(
                "mt-0.5 size-4 shrink-0",
                version.status === "REJECTED" ? "text-destructive" : "text-muted-foreground",
              )}
              aria-hidden="true"
            />
            <div className="min-w-0">
              <p className="font-medium">
                {version.status === "REJECTED" ? "Not approved" : "Reviewer's note"}
                {version.reviewedBy && (
                  <span className="font-normal text-muted-foreground">
                    {" "}
                    · {personName(version.reviewedBy)}
                  </span>
                )}
                {version.reviewedAt && (
                  <span className="font-normal text-muted-foreground">
                    , <RelativeTime date={version.reviewedAt} />
                  </span>
                )}
              </p>
              <p className="whitespace-pre-line break-words text-muted-foreground">{version.reviewReason}</p>
            </div>
          </div>
        )}
        {version.status === "PENDING_APPROVAL" && version.submittedAt && (
          <p className="text-xs text-muted-foreground">
            Submitted <RelativeTime date={version.submittedAt} />; waiting for an admin's review.
          </p>
        )}
        <div className="space-y-2">
          <h4 className="text-xs font-medium tracking-wide text-muted-foreground uppercase">Configuration</h4>
          <ConfigList version={version} />
        </div>
        <div className="space-y-2">
          <h4 className="text-xs font-medium tracking-wide text-muted-foreground uppercase">Discovery</h4>
          <DiscoverySummary
            discovery={version.discovery}
            isDiscovering={actions.isDiscovering}
            awaitsApproval={awaitsApprovalToRun(version)}
            onRefresh={actions.onRefresh}
            isRefreshing={actions.isRefreshing}
          />
          {version.capabilities && <ToolsDisclosure tools={version.capabilities.tools} />}
        </div>
      </div>
      {hasButtons && (
        <div className="flex flex-wrap items-center justify-end gap-2 border-t px-5 py-3">
          {actions.onEdit && (
            <Button variant="outline" size="sm" onClick={actions.onEdit} disabled={actions.isBusy}>
              <Pencil aria-hidden="true" />
              Edit this version
            </Button>
          )}
          {actions.onSubmit && (
            <Button
              size="sm"
              onClick={actions.onSubmit}
              disabled={actions.isBusy}
              data-testid="submit-version"
            >
              <Send aria-hidden="true" />
              {actions.submitLabel ?? "Submit for approval"}
            </Button>
          )}
          {actions.onReject && (
            <Button
              variant="outline"
              size="sm"
              onClick={actions.onReject}
              disabled={actions.isBusy}
              data-testid="reject-version"
            >
              <ThumbsDown aria-hidden="true" />
              Reject
            </Button>
          )}
          {actions.onApprove && (
            <Button
              size="sm"
              onClick={actions.onApprove}
              disabled={actions.isBusy}
              data-testid="approve-version"
            >
              <ThumbsUp aria-hidden="true" />
              Approve
            </Button>
          )}
        </div>
      )}
    </Card>
  );
}
