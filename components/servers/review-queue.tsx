"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { ArrowUpRight, CheckCheck, ChevronRight, ThumbsDown, ThumbsUp } from "lucide-react";
import Link from "next/link";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { toast } from "sonner";
import { pluralize } from "@/components/lib/format";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { FieldError, FormError } from "@/components/ui/field-error";
import { Label } from "@/components/ui/label";
import { RelativeTime } from "@/components/ui/relative-time";
import { ServerIcon } from "@/components/ui/server-icon";
import { Skeleton } from "@/components/ui/skeleton";
import { Textarea } from "@/components/ui/textarea";
import { awaitsApprovalToRun, DISCOVERY_GRACE_MS, DiscoverySummary, ToolsDisclosure } from "./discovery";
import { fieldErrorsOf, firstError } from "./field-errors";
import { personName, type ReviewQueueItem } from "./labels";
import { useReviewInvalidation } from "./review-dialog";
import { ScopeBadge } from "./status-badges";
import { RunsOn } from "./version-card";

const POLL_MS = 5000;

/**
 * Whether the worker is presumably still discovering this version, as of `asOf`: the time the queue
 * was fetched, which the server's render and the browser's hydration share (Date.now() would let
 * them disagree across the grace boundary, and React would refuse the server's HTML).
 */
function isDiscovering(item: ReviewQueueItem, asOf: number): boolean {
  const { discovery } = item;
  if (discovery.discoveredAt !== null || discovery.error !== null) return false;
  if (awaitsApprovalToRun({ transport: item.transport, status: "PENDING_APPROVAL" })) return false;
  return item.submittedAt !== null && asOf - new Date(item.submittedAt).getTime() < DISCOVERY_GRACE_MS;
}

function QueueSkeleton() {
  return (
    <div className="space-y-4" aria-busy="true">
      <span className="sr-only" role="status">
        Loading the review queue…
      </span>
      {["a", "b"].map((key) => (
        <Card key={key} className="space-y-4 p-5">
          <div className="flex items-center gap-3">
            <Skeleton className="size-10 rounded-lg" />
            <div className="flex-1 space-y-1.5">
              <Skeleton className="h-4 w-48" />
              <Skeleton className="h-3 w-64" />
            </div>
          </div>
          <Skeleton className="h-7 w-full" />
          <Skeleton className="h-4 w-40" />
        </Card>
      ))}
    </div>
  );
}

/**
 * Versions waiting for an admin's decision, oldest first, each decided right here. A notification
 * links here with `?server=<id>`: that server's versions are marked and scrolled to, or, when
 * nothing of it is waiting any more (another reviewer decided), a note says so.
 */
export function ReviewQueue({ focusServerId }: { focusServerId?: string }) {
  const trpc = useTRPC();
  const queue = useQuery({
    ...trpc.servers.reviewQueue.queryOptions(),
    refetchInterval: (q) =>
      q.state.data?.some((item) => isDiscovering(item, q.state.dataUpdatedAt)) ? POLL_MS : 30_000,
  });

  if (queue.isPending) return <QueueSkeleton />;
  if (queue.isError && !queue.data) {
    return (
      <ErrorState
        title="Couldn't load the review queue"
        message={queue.error.message}
        onRetry={() => void queue.refetch()}
        isRetrying={queue.isFetching}
      />
    );
  }
  const isFocusWaiting =
    focusServerId !== undefined && queue.data.some((item) => item.server.id === focusServerId);
  const decidedNote = focusServerId !== undefined && !isFocusWaiting && (
    <p className="rounded-md border bg-muted/40 px-4 py-3 text-sm" role="status" data-testid="focus-decided">
      Nothing of the server you were notified about is waiting any more: someone has already decided.{" "}
      <Link href={`/servers/${encodeURIComponent(focusServerId)}`} className="font-medium underline">
        See the server
      </Link>
    </p>
  );
  if (queue.data.length === 0) {
    return (
      <div className="space-y-4">
        {decidedNote}
        <Card data-testid="reviews-empty">
          <EmptyState
            className="py-16"
            icon={CheckCheck}
            title="Nothing waiting for review"
            description="When someone submits a shared server or a new version of one, it appears here. Personal servers and an admin's own servers need no review."
          />
        </Card>
      </div>
    );
  }
  return (
    <section aria-label="Waiting for review" className="space-y-3">
      {decidedNote}
      <p className="text-sm text-muted-foreground" role="status">
        {pluralize(queue.data.length, "version")} waiting, oldest first
      </p>
      <ul className="space-y-4" data-testid="review-queue">
        {queue.data.map((item, index) => {
          const isFocus = item.server.id === focusServerId;
          const isFirstFocus =
            isFocus && queue.data.findIndex((other) => other.server.id === focusServerId) === index;
          return (
            <li key={item.versionId}>
              <ReviewCard
                item={item}
                fetchedAt={queue.dataUpdatedAt}
                isFocus={isFocus}
                scrollIntoView={isFirstFocus}
              />
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function ReviewCard({
  item,
  fetchedAt,
  isFocus,
  scrollIntoView,
}: {
  item: ReviewQueueItem;
  fetchedAt: number;
  isFocus: boolean;
  scrollIntoView: boolean;
}) {
  const trpc = useTRPC();
  const cardRef = useRef<HTMLDivElement>(null);
  // Once, on arrival from a notification: the page may be long, the notified version anywhere in it.
  useEffect(() => {
    if (scrollIntoView) cardRef.current?.scrollIntoView({ block: "center" });
  }, [scrollIntoView]);
  const formId = useId();
  const refresh = useReviewInvalidation();
  const [isRejecting, setIsRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const [reasonError, setReasonError] = useState<string | undefined>();
  const review = useMutation(
    trpc.servers.review.mutationOptions({
      onSuccess: (detail, variables) => {
        refresh(detail);
        toast.success(
          variables.decision === "approve"
            ? `${item.server.name} ${item.version} approved`
            : `${item.server.name} ${item.version} rejected`,
          { description: `${personName(item.owner)} is notified.` },
        );
      },
      onError: (error) => {
        const message = firstError(fieldErrorsOf(error), "reason");
        if (message) setReasonError(message);
      },
    }),
  );

  const reject = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!reason.trim()) {
      setReasonError("Say why, so the owner knows what to change.");
      return;
    }
    setReasonError(undefined);
    review.mutate({
      serverId: item.server.id,
      versionId: item.versionId,
      decision: "reject",
      reason: reason.trim(),
    });
  };
  const otherError = review.error && !reasonError ? review.error.message : undefined;

  return (
    <Card
      ref={cardRef}
      className={cn("overflow-hidden", isFocus && "ring-2 ring-primary")}
      aria-current={isFocus ? "true" : undefined}
      data-focus={isFocus ? "true" : undefined}
      data-testid="review-card"
      data-server={item.server.slug}
      data-version={item.version}
    >
      <div className="flex flex-col gap-4 p-5">
        <div className="flex items-start gap-3">
          <ServerIcon name={item.server.name} iconUrl={null} />
          <div className="min-w-0 flex-1 space-y-1">
            <div className="flex flex-wrap items-center gap-2">
              <Link
                href={`/servers/${item.server.id}`}
                className="inline-flex items-center gap-1 font-semibold break-words hover:underline"
                data-testid="review-server-link"
              >
                {item.server.name}
                <ArrowUpRight className="size-3.5 text-muted-foreground" aria-hidden="true" />
              </Link>
              <span className="font-mono text-xs text-muted-foreground">v{item.version}</span>
              {item.isUpdate ? (
                <Badge variant="secondary" className="font-normal">
                  Update of v{item.server.approvedVersion?.version}
                </Badge>
              ) : (
                <Badge variant="warning" className="font-normal">
                  New server
                </Badge>
              )}
              <ScopeBadge scope={item.server.scope} />
            </div>
            <p className="text-xs text-muted-foreground">
              {item.submittedAt ? (
                <>
                  Submitted <RelativeTime date={item.submittedAt} />
                </>
              ) : (
                "Submitted"
              )}{" "}
              by {personName(item.submittedBy ?? item.owner)}
              {item.submittedBy && item.submittedBy.id !== item.owner.id && ` for ${personName(item.owner)}`}
            </p>
          </div>
        </div>
        <RunsOn transport={item.transport} url={item.url} command={item.command} args={item.args} />
        <DiscoverySummary
          discovery={item.discovery}
          isDiscovering={isDiscovering(item, fetchedAt)}
          awaitsApproval={awaitsApprovalToRun({ transport: item.transport, status: "PENDING_APPROVAL" })}
        />
        {item.discovery.toolCount > 0 && <LazyTools serverId={item.server.id} versionId={item.versionId} />}
      </div>
      <div className="border-t bg-muted/20 px-5 py-3">
        {isRejecting ? (
          <form onSubmit={reject} className="space-y-2" noValidate data-testid="reject-form">
            <Label htmlFor={`${formId}-reason`}>Why isn't it approved?</Label>
            <Textarea
              id={`${formId}-reason`}
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              rows={3}
              maxLength={2000}
              placeholder="e.g. Pin an exact package version, and describe what the tools do."
              aria-invalid={reasonError ? true : undefined}
              aria-describedby={reasonError ? `${formId}-reason-error` : `${formId}-reason-hint`}
              autoFocus
            />
            <p id={`${formId}-reason-hint`} className="text-xs text-muted-foreground">
              {personName(item.owner)} reads this in their notification.
            </p>
            <FieldError id={`${formId}-reason-error`}>{reasonError}</FieldError>
            {otherError && <FormError>{otherError}</FormError>}
            <div className="flex flex-wrap justify-end gap-2">
              <Button
                variant="ghost"
                size="sm"
                onClick={() => {
                  setIsRejecting(false);
                  setReasonError(undefined);
                }}
                disabled={review.isPending}
              >
                Cancel
              </Button>
              <Button
                type="submit"
                variant="destructive"
                size="sm"
                disabled={review.isPending}
                data-testid="confirm-reject"
              >
                <ThumbsDown aria-hidden="true" />
                {review.isPending ? "Rejecting…" : "Reject"}
              </Button>
            </div>
          </form>
        ) : (
          <div className="flex flex-wrap items-center justify-end gap-2">
            {otherError && <p className="mr-auto text-sm text-destructive">{otherError}</p>}
            <Button variant="ghost" size="sm" asChild>
              <Link href={`/servers/${item.server.id}`}>Full details</Link>
            </Button>
            <Button
              variant="outline"
              size="sm"
              onClick={() => setIsRejecting(true)}
              disabled={review.isPending}
              data-testid="reject-button"
            >
              <ThumbsDown aria-hidden="true" />
              Reject…
            </Button>
            <Button
              size="sm"
              onClick={() =>
                review.mutate({ serverId: item.server.id, versionId: item.versionId, decision: "approve" })
              }
              disabled={review.isPending}
              data-testid="approve-button"
            >
              <ThumbsUp aria-hidden="true" />
              {review.isPending ? "Approving…" : "Approve"}
            </Button>
          </div>
        )}
      </div>
    </Card>
  );
}

/** The version's discovered tools, loaded when asked for (the queue itself carries only counts). */
function LazyTools({ serverId, versionId }: { serverId: string; versionId: string }) {
  const trpc = useTRPC();
  const [isOpen, setIsOpen] = useState(false);
  const detail = useQuery({ ...trpc.servers.get.queryOptions({ serverId }), enabled: isOpen });
  if (!isOpen) {
    return (
      <Button
        variant="ghost"
        size="sm"
        className="-ml-2 w-fit"
        onClick={() => setIsOpen(true)}
        data-testid="show-tools"
      >
        <ChevronRight aria-hidden="true" />
        Show the discovered tools
      </Button>
    );
  }
  if (detail.isPending) return <Skeleton className="h-24 w-full" />;
  if (detail.isError) return <p className="text-sm text-destructive">{detail.error.message}</p>;
  const tools = detail.data.versions.find((version) => version.id === versionId)?.capabilities?.tools ?? [];
  if (tools.length === 0) return <p className="text-sm text-muted-foreground">No tools were discovered.</p>;
  return <ToolsDisclosure tools={tools} defaultOpen />;
}
