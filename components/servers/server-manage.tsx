"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Archive,
  BookMarked,
  Clock,
  ExternalLink,
  GitBranchPlus,
  Info,
  LibraryBig,
  MoreHorizontal,
  Pencil,
  Send,
  ThumbsDown,
  ThumbsUp,
  TriangleAlert,
} from "lucide-react";
import Link from "next/link";
import { type ReactNode, useState } from "react";
import { toast } from "sonner";
import { isNotFound } from "@/components/lib/errors";
import { formatLatency } from "@/components/lib/format";
import { useTRPC } from "@/components/providers/trpc-provider";
import { BackLink } from "@/components/ui/back-link";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { DetailRow } from "@/components/ui/detail-row";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { ErrorState } from "@/components/ui/error-state";
import { Markdown } from "@/components/ui/markdown";
import { RelativeTime } from "@/components/ui/relative-time";
import { SafeLink } from "@/components/ui/safe-link";
import { ServerIcon } from "@/components/ui/server-icon";
import { Skeleton } from "@/components/ui/skeleton";
import { isAwaitingDiscovery } from "./discovery";
import { EditDetailsDialog } from "./edit-details-dialog";
import type { ManagedServer, ManagedVersion } from "./labels";
import { personName } from "./labels";
import { announce, publishWording } from "./publish-form";
import { ReviewDialog, type ReviewTarget } from "./review-dialog";
import { ServerMissing } from "./server-missing";
import { HealthLabel, ScopeBadge, StatusBadge } from "./status-badges";
import { VersionCard } from "./version-card";
import { VersionDialog, type VersionDialogMode } from "./version-dialog";

const POLL_MS = 3000;
const REFRESH_WATCH_MS = 90_000;

export function ServerManageSkeleton() {
  return (
    <div className="space-y-6" aria-busy="true">
      <span className="sr-only" role="status">
        Loading the server…
      </span>
      <Skeleton className="h-8 w-28" />
      <div className="flex items-start gap-4">
        <Skeleton className="size-14 rounded-xl" />
        <div className="flex-1 space-y-2">
          <Skeleton className="h-7 w-64" />
          <Skeleton className="h-5 w-48" />
        </div>
        <Skeleton className="hidden h-9 w-32 sm:block" />
      </div>
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="space-y-6">
          <Skeleton className="h-16 w-full rounded-xl" />
          <Card className="space-y-3 p-5">
            <Skeleton className="h-4 w-32" />
            <Skeleton className="h-8 w-full" />
            <Skeleton className="h-20 w-full" />
          </Card>
        </div>
        <Card className="h-fit space-y-3 p-5">
          <Skeleton className="h-4 w-24" />
          <Skeleton className="h-4 w-full" />
          <Skeleton className="h-4 w-full" />
        </Card>
      </div>
    </div>
  );
}

/** What was asked of the worker with "Refresh discovery", to poll until the answer arrives. */
type RefreshWatch = {
  versionId: string;
  discoveredAt: string | null;
  error: string | null;
  startedAt: number;
};

function refreshSettled(server: ManagedServer | undefined, watch: RefreshWatch | null): boolean {
  if (!watch || !server) return true;
  if (Date.now() - watch.startedAt > REFRESH_WATCH_MS) return true;
  const version = server.versions.find((v) => v.id === watch.versionId);
  if (!version) return true;
  const discoveredAt = version.discovery.discoveredAt
    ? new Date(version.discovery.discoveredAt).toISOString()
    : null;
  return discoveredAt !== watch.discoveredAt || version.discovery.error !== watch.error;
}

/** One server as its owner (or an admin) manages it: status, details, versions, discovery, review. */
export function ServerManageView({ serverId }: { serverId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [watch, setWatch] = useState<RefreshWatch | null>(null);
  const query = useQuery({
    ...trpc.servers.get.queryOptions({ serverId }),
    // Poll while the worker discovers a version, so its tools appear without a reload.
    refetchInterval: (q) => {
      const data = q.state.data;
      if (!data) return false;
      const awaiting = data.versions.some((version) => isAwaitingDiscovery(version));
      return awaiting || !refreshSettled(data, watch) ? POLL_MS : false;
    },
  });
  const templates = useQuery(trpc.servers.commandTemplates.queryOptions());
  const [isEditingDetails, setIsEditingDetails] = useState(false);
  const [versionDialog, setVersionDialog] = useState<VersionDialogMode | null>(null);
  const [review, setReview] = useState<{ target: ReviewTarget; decision: "approve" | "reject" } | null>(null);
  const [isRetireOpen, setIsRetireOpen] = useState(false);

  const show = (detail: ManagedServer) => {
    queryClient.setQueryData(trpc.servers.get.queryKey({ serverId }), detail);
    void queryClient.invalidateQueries({ queryKey: trpc.servers.list.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.catalog.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.servers.reviewQueue.pathKey() });
  };
  const submit = useMutation(
    trpc.servers.submit.mutationOptions({
      onSuccess: (detail) => {
        show(detail);
        announce(detail);
      },
      onError: (error) => toast.error("Couldn't publish this version", { description: error.message }),
    }),
  );
  const retire = useMutation(
    trpc.servers.retire.mutationOptions({
      onSuccess: (detail) => {
        show(detail);
        setIsRetireOpen(false);
        toast.success(`${detail.name} is retired`, {
          description: "It left the catalog and its connections stopped working.",
        });
      },
    }),
  );
  const refresh = useMutation(
    trpc.servers.refreshDiscovery.mutationOptions({
      onSuccess: (result) => {
        const version = query.data?.versions.find((v) => v.id === result.versionId);
        setWatch({
          versionId: result.versionId,
          discoveredAt: version?.discovery.discoveredAt
            ? new Date(version.discovery.discoveredAt).toISOString()
            : null,
          error: version?.discovery.error ?? null,
          startedAt: Date.now(),
        });
        toast.success("Discovery queued", { description: "The tools list updates here in a few seconds." });
        void query.refetch();
      },
      onError: (error) => toast.error("Couldn't refresh discovery", { description: error.message }),
    }),
  );

  if (query.isPending) return <ServerManageSkeleton />;
  if (query.isError && !query.data) {
    if (isNotFound(query.error)) return <ServerMissing />;
    return (
      <div className="space-y-6">
        <BackLink href="/servers">My servers</BackLink>
        <ErrorState
          title="Couldn't load this server"
          message={query.error.message}
          onRetry={() => void query.refetch()}
          isRetrying={query.isFetching}
        />
      </div>
    );
  }
  const server = query.data;
  const isRetired = server.status === "RETIRED";
  const canEdit = !isRetired;
  // Worded for the version the banner and cards would send (the newest).
  const wording = publishWording(
    server.scope,
    server.viewer.canReview,
    server.versions[0]?.transport ?? "STREAMABLE_HTTP",
  );
  const templateList = templates.data?.templates ?? [];
  const refreshingVersionId = !refreshSettled(server, watch) ? watch?.versionId : undefined;

  const reviewTarget = (version: ManagedVersion): ReviewTarget => ({
    serverId: server.id,
    serverName: server.name,
    versionId: version.id,
    version: version.version,
    ownerName: personName(server.owner),
    isUpdate: server.approvedVersionId !== null,
  });
  const pending = server.versions.find((version) => version.status === "PENDING_APPROVAL");
  const sendable = server.versions.find(
    (version) => version.status === "DRAFT" || version.status === "REJECTED",
  );

  return (
    <div className="space-y-6" data-testid="server-manage" data-status={server.status}>
      <BackLink href="/servers">My servers</BackLink>
      <div className="flex flex-col gap-4 sm:flex-row sm:items-start">
        <div className="flex min-w-0 flex-1 items-start gap-4">
          <ServerIcon name={server.name} iconUrl={server.iconUrl} size="lg" />
          <div className="min-w-0 space-y-1.5">
            <h1 className="break-words text-2xl font-semibold tracking-tight">{server.name}</h1>
            <div className="flex flex-wrap items-center gap-2">
              <StatusBadge status={server.status} />
              <ScopeBadge scope={server.scope} />
              <span className="font-mono text-xs text-muted-foreground">{server.slug}</span>
            </div>
          </div>
        </div>
        <div className="flex shrink-0 flex-wrap gap-2 sm:pt-1">
          {/* A personal server is in its owner's catalog once approved; a shared one only for the people
              a registry grants it to, and this page doesn't know the grants, so it points there. */}
          {server.status === "APPROVED" && server.scope === "PERSONAL" && server.viewer.isOwner && (
            <Button variant="outline" asChild>
              <Link href={`/catalog/${server.slug}`} data-testid="open-in-catalog">
                <LibraryBig aria-hidden="true" />
                Open in catalog
              </Link>
            </Button>
          )}
          {server.status === "APPROVED" && server.scope === "SHARED" && (
            <Button variant="outline" asChild>
              <Link href="/registries" data-testid="grant-in-registry">
                <BookMarked aria-hidden="true" />
                Grant it in a registry
              </Link>
            </Button>
          )}
          {canEdit && (
            <Button
              variant="outline"
              onClick={() => setVersionDialog({ kind: "new" })}
              disabled={!templates.data}
              data-testid="new-version"
            >
              <GitBranchPlus aria-hidden="true" />
              New version
            </Button>
          )}
          {canEdit && (
            <DropdownMenu>
              <DropdownMenuTrigger asChild>
                <Button variant="outline" size="icon" aria-label="More actions" data-testid="more-actions">
                  <MoreHorizontal aria-hidden="true" />
                </Button>
              </DropdownMenuTrigger>
              <DropdownMenuContent align="end" className="w-52">
                <DropdownMenuItem onSelect={() => setIsEditingDetails(true)}>
                  <Pencil aria-hidden="true" />
                  Edit details
                </DropdownMenuItem>
                <DropdownMenuItem
                  onSelect={() => setIsRetireOpen(true)}
                  className="text-destructive focus:text-destructive [&_svg]:text-destructive!"
                  data-testid="retire-item"
                >
                  <Archive aria-hidden="true" />
                  Retire server
                </DropdownMenuItem>
              </DropdownMenuContent>
            </DropdownMenu>
          )}
        </div>
      </div>

      <StatusBanner
        server={server}
        pending={pending}
        sendable={sendable}
        submitLabel={wording.label}
        isSubmitting={submit.isPending}
        onSubmit={(version) => submit.mutate({ serverId: server.id, versionId: version.id })}
        onReview={(version, decision) => setReview({ target: reviewTarget(version), decision })}
      />

      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0 space-y-6">
          <section aria-labelledby="versions-heading" className="space-y-3">
            <div className="flex items-end justify-between gap-3">
              <div>
                <h2 id="versions-heading" className="text-base font-semibold tracking-tight">
                  Versions
                </h2>
                <p className="text-sm text-muted-foreground">
                  Newest first. New connections use the live version; existing ones keep theirs until their
                  owners move them.
                </p>
              </div>
            </div>
            <ol className="space-y-4">
              {server.versions.map((version) => {
                const isSendable = canEdit && (version.status === "DRAFT" || version.status === "REJECTED");
                const canReviewThis = server.viewer.canReview && version.status === "PENDING_APPROVAL";
                return (
                  <li key={version.id}>
                    <VersionCard
                      version={version}
                      actions={{
                        submitLabel: wording.label,
                        onSubmit: isSendable
                          ? () => submit.mutate({ serverId: server.id, versionId: version.id })
                          : undefined,
                        onEdit:
                          isSendable && templates.data
                            ? () => setVersionDialog({ kind: "edit", version })
                            : undefined,
                        onApprove: canReviewThis
                          ? () => setReview({ target: reviewTarget(version), decision: "approve" })
                          : undefined,
                        onReject: canReviewThis
                          ? () => setReview({ target: reviewTarget(version), decision: "reject" })
                          : undefined,
                        onRefresh: !isRetired
                          ? () => refresh.mutate({ serverId: server.id, versionId: version.id })
                          : undefined,
                        isRefreshing: refresh.isPending && refresh.variables?.versionId === version.id,
                        isDiscovering:
                          refreshingVersionId === version.id ||
                          isAwaitingDiscovery(version, query.dataUpdatedAt),
                        isBusy: submit.isPending,
                      }}
                    />
                  </li>
                );
              })}
            </ol>
          </section>
        </div>
        <aside className="space-y-6">
          <AboutCard server={server} onEdit={canEdit ? () => setIsEditingDetails(true) : undefined} />
          <DetailsCard server={server} />
        </aside>
      </div>

      {canEdit && (
        <EditDetailsDialog server={server} open={isEditingDetails} onOpenChange={setIsEditingDetails} />
      )}
      <VersionDialog
        server={server}
        templates={templateList}
        mode={versionDialog}
        onOpenChange={(open) => !open && setVersionDialog(null)}
      />
      <ReviewDialog
        target={review?.target ?? null}
        decision={review?.decision ?? "approve"}
        onOpenChange={(open) => !open && setReview(null)}
      />
      <ConfirmDialog
        open={isRetireOpen}
        onOpenChange={setIsRetireOpen}
        title={`Retire ${server.name}?`}
        description={
          server.status === "APPROVED"
            ? "It leaves the catalog and stops serving: every connection to it stops working on the next request, and versions waiting for review are withdrawn. The server and its history stay for the audit trail; this can't be undone here."
            : "It leaves your list of active servers and can't be published any more. Its history stays for the audit trail; this can't be undone here."
        }
        confirmLabel="Retire server"
        pendingLabel="Retiring…"
        isDestructive
        isPending={retire.isPending}
        onConfirm={() => retire.mutate({ serverId: server.id })}
      >
        {retire.error && <p className="text-sm text-destructive">{retire.error.message}</p>}
      </ConfirmDialog>
    </div>
  );
}

function Banner({
  tone,
  icon,
  title,
  children,
  actions,
  testId,
}: {
  tone: "info" | "warning" | "destructive" | "muted";
  icon: ReactNode;
  title: ReactNode;
  children?: ReactNode;
  actions?: ReactNode;
  testId?: string;
}) {
  const tones = {
    info: "border-primary/25 bg-primary/5",
    warning: "border-warning/30 bg-warning/10",
    destructive: "border-destructive/30 bg-destructive/5",
    muted: "bg-muted/40",
  } as const;
  return (
    <div
      className={`flex flex-col gap-3 rounded-xl border p-4 sm:flex-row sm:items-center ${tones[tone]}`}
      data-testid={testId}
    >
      <div className="flex min-w-0 flex-1 items-start gap-3">
        <span className="mt-0.5 shrink-0">{icon}</span>
        <div className="min-w-0 space-y-1 text-sm">
          <p className="font-medium">{title}</p>
          {children && <div className="text-muted-foreground">{children}</div>}
        </div>
      </div>
      {actions && <div className="flex shrink-0 flex-wrap gap-2">{actions}</div>}
    </div>
  );
}

/** The one sentence that says where the server stands and the next step, with that step's button. */
function StatusBanner({
  server,
  pending,
  sendable,
  submitLabel,
  isSubmitting,
  onSubmit,
  onReview,
}: {
  server: ManagedServer;
  pending: ManagedVersion | undefined;
  sendable: ManagedVersion | undefined;
  submitLabel: string;
  isSubmitting: boolean;
  onSubmit: (version: ManagedVersion) => void;
  onReview: (version: ManagedVersion, decision: "approve" | "reject") => void;
}) {
  const reviewButtons = pending && server.viewer.canReview && (
    <>
      <Button
        variant="outline"
        size="sm"
        onClick={() => onReview(pending, "reject")}
        data-testid="banner-reject"
      >
        <ThumbsDown aria-hidden="true" />
        Reject
      </Button>
      <Button size="sm" onClick={() => onReview(pending, "approve")} data-testid="banner-approve">
        <ThumbsUp aria-hidden="true" />
        Approve {pending.version}
      </Button>
    </>
  );
  const submitButton = sendable && (
    <Button size="sm" onClick={() => onSubmit(sendable)} disabled={isSubmitting} data-testid="banner-submit">
      <Send aria-hidden="true" />
      {isSubmitting ? `${submitLabel}…` : `${submitLabel} ${sendable.version}`}
    </Button>
  );

  switch (server.status) {
    case "DRAFT":
      return (
        <Banner
          tone="muted"
          icon={<Info className="size-4 text-muted-foreground" aria-hidden="true" />}
          title="Draft: nobody can use this server yet."
          actions={submitButton}
          testId="status-banner"
        >
          {server.scope === "PERSONAL" && submitLabel === "Publish"
            ? "Check its definition, then publish it: it's usable by you at once."
            : server.scope === "PERSONAL"
              ? "Check its definition, then submit it: an admin approves a stdio package before Gatehouse runs it."
              : server.viewer.canReview
                ? "Check its definition (an import may need shared values), then publish it."
                : "Check its definition (an import may need shared values), then submit it: an admin reviews it before anyone can use it."}
        </Banner>
      );
    case "PENDING_APPROVAL":
      return (
        <Banner
          tone="warning"
          icon={<Clock className="size-4 text-warning-foreground dark:text-warning" aria-hidden="true" />}
          title={`Version ${pending?.version ?? ""} is waiting for an admin's review.`}
          actions={reviewButtons}
          testId="status-banner"
        >
          {server.viewer.canReview
            ? "Check what it runs and what it discovered below, then approve or reject it."
            : "Nobody can use it until it's approved. You'll get a notification with the decision."}
        </Banner>
      );
    case "REJECTED": {
      const rejected = server.versions.find((version) => version.status === "REJECTED");
      return (
        <Banner
          tone="destructive"
          icon={<TriangleAlert className="size-4 text-destructive" aria-hidden="true" />}
          title={`Version ${rejected?.version ?? ""} was not approved.`}
          actions={submitButton}
          testId="status-banner"
        >
          {rejected?.reviewReason ? (
            <span className="whitespace-pre-line break-words">Reason: {rejected.reviewReason}</span>
          ) : (
            "Change what the reviewer asked for, then submit it again."
          )}
        </Banner>
      );
    }
    case "RETIRED":
      return (
        <Banner
          tone="muted"
          icon={<Archive className="size-4 text-muted-foreground" aria-hidden="true" />}
          title="Retired: this server is out of the catalog and serves no connections."
          testId="status-banner"
        >
          Its versions and audit history are kept.
        </Banner>
      );
    case "APPROVED":
      if (pending) {
        return (
          <Banner
            tone="warning"
            icon={<Clock className="size-4 text-warning-foreground dark:text-warning" aria-hidden="true" />}
            title={`Version ${pending.version} is waiting for review.`}
            actions={reviewButtons}
            testId="status-banner"
          >
            New connections use the approved version until then. Existing connections keep their version; once
            it's approved, their owners are offered the move.
          </Banner>
        );
      }
      if (sendable) {
        return (
          <Banner
            tone="muted"
            icon={<Info className="size-4 text-muted-foreground" aria-hidden="true" />}
            title={
              sendable.status === "REJECTED"
                ? `Version ${sendable.version} was not approved; the approved version keeps serving.`
                : `Version ${sendable.version} is a draft; the approved version keeps serving.`
            }
            actions={submitButton}
            testId="status-banner"
          />
        );
      }
      return null;
  }
}

function AboutCard({ server, onEdit }: { server: ManagedServer; onEdit?: () => void }) {
  return (
    <Card data-testid="about">
      <CardHeader>
        <CardTitle as="h2">About</CardTitle>
        {onEdit && (
          <CardAction>
            <Button variant="ghost" size="sm" className="-my-1.5" onClick={onEdit} data-testid="edit-details">
              <Pencil aria-hidden="true" />
              Edit
            </Button>
          </CardAction>
        )}
      </CardHeader>
      <CardContent className="pt-3">
        {server.description ? (
          <Markdown>{server.description}</Markdown>
        ) : (
          <p className="text-sm text-muted-foreground italic">No description yet.</p>
        )}
        {server.tags.length > 0 && (
          <ul className="mt-3 flex flex-wrap gap-1.5" aria-label="Tags">
            {server.tags.map((tag) => (
              <li
                key={tag}
                className="max-w-48 truncate rounded-md border px-2 py-0.5 text-xs text-muted-foreground"
              >
                {tag}
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

function DetailsCard({ server }: { server: ManagedServer }) {
  const approved = server.versions.find((version) => version.id === server.approvedVersionId);
  return (
    <Card data-testid="details">
      <CardHeader>
        <CardTitle as="h2">Details</CardTitle>
      </CardHeader>
      <CardContent className="pt-2">
        <dl className="divide-y">
          <DetailRow label="Owner">
            {personName(server.owner)}
            {server.viewer.isOwner && " (you)"}
          </DetailRow>
          <DetailRow label="Who can use it">
            {server.scope === "PERSONAL" ? "Only the owner" : "Whoever a registry grants it to"}
          </DetailRow>
          <DetailRow label="Live version">
            {approved ? <span className="font-mono text-xs">{approved.version}</span> : "None yet"}
          </DetailRow>
          {server.status === "APPROVED" && (
            <>
              <DetailRow label="Health">
                <HealthLabel status={server.health.status} className="justify-end" />
              </DetailRow>
              {server.health.status === "HEALTHY" && server.health.latencyMs !== null && (
                <DetailRow label="Latency">
                  <span className="tabular-nums">{formatLatency(server.health.latencyMs)}</span>
                </DetailRow>
              )}
              <DetailRow label="Last checked">
                {server.health.checkedAt ? <RelativeTime date={server.health.checkedAt} /> : "Never"}
              </DetailRow>
            </>
          )}
          {server.registryName && (
            <DetailRow label="Registry name">
              <span className="font-mono text-xs break-all">{server.registryName}</span>
            </DetailRow>
          )}
          <DetailRow label="Created">
            <RelativeTime date={server.createdAt} />
          </DetailRow>
          <DetailRow label="Updated">
            <RelativeTime date={server.updatedAt} />
          </DetailRow>
          {server.websiteUrl && (
            <DetailRow label="Website">
              <SafeLink href={server.websiteUrl} className="justify-end text-right" />
            </DetailRow>
          )}
          {server.repositoryUrl && (
            <DetailRow label="Repository">
              <SafeLink href={server.repositoryUrl} className="justify-end text-right" />
            </DetailRow>
          )}
        </dl>
        {server.status === "APPROVED" && server.scope === "SHARED" && (
          <p className="mt-3 flex items-start gap-2 rounded-md bg-muted/50 px-3 py-2 text-xs text-muted-foreground">
            <ExternalLink className="mt-0.5 size-3.5 shrink-0" aria-hidden="true" />
            <span>
              People reach a shared server only through a registry.{" "}
              <Link
                href="/registries"
                className="font-medium text-primary underline-offset-4 hover:underline"
              >
                Manage registries
              </Link>
            </span>
          </p>
        )}
      </CardContent>
    </Card>
  );
}
