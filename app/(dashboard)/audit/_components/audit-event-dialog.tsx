"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Cable, Eye, KeyRound, LockKeyhole, MessagesSquare, ServerCog, UserRound } from "lucide-react";
import Link from "next/link";
import { type ReactNode, useId, useRef } from "react";
import { isNotFound } from "@/components/lib/errors";
import { formatLatency, formatNumber, formatTimeAgo } from "@/components/lib/format";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { DetailRow } from "@/components/ui/detail-row";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { ErrorState } from "@/components/ui/error-state";
import type { AuditBodies } from "@/server/services/audit/read-audit-bodies";
import {
  type AuditEvent,
  actorOf,
  connectionLabel,
  isMcpEvent,
  OutcomeBadge,
  tokenLabel,
} from "./audit-labels";

function Empty() {
  return <span className="text-muted-foreground">—</span>;
}

/** Something an event names by id (a token, a connection): its name, and the id under it. */
function NamedId({ name, id }: { name: string; id: string }) {
  return (
    <>
      <span className="wrap-anywhere">{name}</span>
      <span className="block font-mono text-xs text-muted-foreground wrap-anywhere">{id}</span>
    </>
  );
}

/** A value that may be missing: the text, or a dash. Ids and machine values in monospace. */
function Value({
  children,
  isMono = false,
}: {
  children: string | number | null | undefined;
  isMono?: boolean;
}) {
  if (children === null || children === undefined || children === "") return <Empty />;
  return <span className={cn("wrap-anywhere", isMono && "font-mono text-xs")}>{children}</span>;
}

function formatBytes(bytes: number | null): string | null {
  return bytes === null ? null : `${formatNumber(bytes)} ${bytes === 1 ? "byte" : "bytes"}`;
}

/** "64 KiB", "1.5 KiB", "900 bytes". */
function formatKiB(bytes: number): string {
  if (bytes < 1024) return `${formatNumber(bytes)} bytes`;
  const kib = bytes / 1024;
  return `${Number.isInteger(kib) ? kib : kib.toFixed(1)} KiB`;
}

/** A body as people read it: pretty-printed when it is JSON, as it was otherwise (SSE frames, a cut body). */
function prettyBody(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A scrolling block of monospace text (Chromium lets the keyboard focus and scroll it). */
function CodeBlock({ children, testId }: { children: string; testId?: string }) {
  return (
    <pre
      data-testid={testId}
      className="max-h-80 overflow-auto rounded-md border bg-muted/40 p-3 font-mono text-xs leading-relaxed whitespace-pre-wrap wrap-anywhere"
    >
      {children}
    </pre>
  );
}

function BodyBlock({
  title,
  body,
  bytes,
  truncatedToBytes,
  testId,
}: {
  title: "Request" | "Response";
  body: string | null;
  bytes: number | null;
  truncatedToBytes: number | null;
  testId: string;
}) {
  const isTruncated = truncatedToBytes !== null && bytes !== null && bytes > truncatedToBytes;
  return (
    <div className="min-w-0 space-y-1.5">
      <div className="flex items-baseline justify-between gap-3">
        <h4 className="text-sm font-medium">{title}</h4>
        {bytes !== null && <span className="text-xs text-muted-foreground">{formatBytes(bytes)}</span>}
      </div>
      {isTruncated && (
        <p className="text-xs text-warning-foreground dark:text-warning" data-testid={`${testId}-truncated`}>
          Kept up to {formatKiB(truncatedToBytes)} of {formatNumber(bytes)} bytes: the rest was not stored.
        </p>
      )}
      {body === null ? (
        <p className="rounded-md border border-dashed p-3 text-xs text-muted-foreground">
          No {title.toLowerCase()} body was recorded for this event.
        </p>
      ) : (
        <CodeBlock testId={testId}>{prettyBody(body)}</CodeBlock>
      )}
    </div>
  );
}

/** The Auditor's button to open the sealed bodies, and the bodies once opened. Reading them is audited. */
function BodiesReader({ eventId }: { eventId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const read = useMutation(
    trpc.audit.bodies.mutationOptions({
      // The reading is an event of its own: show it in the list behind the dialog.
      onSuccess: () => void queryClient.invalidateQueries(trpc.audit.list.pathFilter()),
    }),
  );
  const bodies: AuditBodies | undefined = read.data;

  if (bodies) {
    return (
      <div className="space-y-3" data-testid="audit-bodies">
        <p className="text-xs text-muted-foreground">
          Your reading of these bodies was recorded in the audit log (audit.bodies.read).
        </p>
        <div className="grid gap-4 lg:grid-cols-2">
          <BodyBlock
            title="Request"
            body={bodies.request}
            bytes={bodies.requestBytes}
            truncatedToBytes={bodies.truncatedToBytes}
            testId="audit-request-body"
          />
          <BodyBlock
            title="Response"
            body={bodies.response}
            bytes={bodies.responseBytes}
            truncatedToBytes={bodies.truncatedToBytes}
            testId="audit-response-body"
          />
        </div>
      </div>
    );
  }
  return (
    <div className="space-y-3">
      {read.isError &&
        (isNotFound(read.error) ? (
          <p className="text-sm text-muted-foreground">This event has no stored bodies.</p>
        ) : (
          <ErrorState
            title="Couldn't open the bodies"
            message={read.error.message}
            onRetry={() => read.mutate({ eventId })}
            isRetrying={read.isPending}
          />
        ))}
      {!read.isError && (
        <div className="flex flex-col items-start gap-3 rounded-lg border p-4 sm:flex-row sm:items-center sm:justify-between">
          <p className="text-sm text-muted-foreground">
            The request and response of this exchange are stored encrypted. Opening them is recorded in the
            audit log, with your name and this event.
          </p>
          <Button
            variant="outline"
            size="sm"
            onClick={() => read.mutate({ eventId })}
            disabled={read.isPending}
            data-testid="audit-show-bodies"
          >
            <Eye aria-hidden="true" />
            {read.isPending ? "Opening…" : "Show request and response bodies"}
          </Button>
        </div>
      )}
    </div>
  );
}

function BodiesSection({ event, canReadBodies }: { event: AuditEvent; canReadBodies: boolean }) {
  const headingId = useId();
  let content: ReactNode;
  if (!event.hasBodies) {
    // Activity in Gatehouse (changes, sign-ins, refusals) has no bodies; only say so for MCP traffic.
    if (!isMcpEvent(event)) return null;
    content = (
      <p className="text-sm text-muted-foreground">
        No request or response bodies were stored for this event.
      </p>
    );
  } else if (canReadBodies) {
    content = <BodiesReader key={event.id} eventId={event.id} />;
  } else {
    content = (
      <div
        className="flex gap-3 rounded-lg border border-dashed p-4 text-sm"
        role="note"
        data-testid="audit-bodies-auditors-only"
      >
        <LockKeyhole className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
        <p className="text-muted-foreground">
          The request and response bodies of this exchange are stored encrypted and are visible to Auditors
          only. An Owner can grant the Auditor add-on to people whose work needs them.
        </p>
      </div>
    );
  }
  return (
    <section aria-labelledby={headingId} className="space-y-2">
      <h3 id={headingId} className="text-sm font-semibold">
        Request and response bodies
      </h3>
      {content}
    </section>
  );
}

function DetailGroup({ title, children }: { title: string; children: ReactNode }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="min-w-0">
      <h3 id={headingId} className="text-sm font-semibold">
        {title}
      </h3>
      <dl className="divide-y">{children}</dl>
    </section>
  );
}

/** Everything one audit event recorded, as text; for Auditors, its bodies on request. */
export function AuditEventDialog({
  event,
  open,
  onOpenChange,
  onCloseAutoFocus,
  canReadBodies,
  serverHref,
  onShowUser,
  onShowToken,
  onShowServer,
  onShowConnection,
  onShowSession,
}: {
  event: AuditEvent | null;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** where focus goes when the dialog closes (it was opened from a row, not by a Radix trigger) */
  onCloseAutoFocus: () => void;
  canReadBodies: boolean;
  serverHref: (server: NonNullable<AuditEvent["server"]>) => string | null;
  onShowUser: (id: string, label: string) => void;
  onShowToken: (id: string, label: string) => void;
  onShowServer: (id: string, label: string) => void;
  onShowConnection: (id: string, label: string) => void;
  /** everything of one MCP session (an agent's connection, from initialize to DELETE) */
  onShowSession: (sessionId: string) => void;
}) {
  const contentRef = useRef<HTMLDivElement>(null);
  if (!event) return null;
  const occurredAt = new Date(event.occurredAt);
  const who = actorOf(event);
  const { actor, token, server, connection } = event;
  const href = server ? serverHref(server) : null;
  const metadata =
    event.metadata === null || event.metadata === undefined ? null : JSON.stringify(event.metadata, null, 2);

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent
        ref={contentRef}
        className="max-w-4xl"
        data-testid="audit-event-dialog"
        // Start at the top (the title), not at the first link halfway down a long dialog.
        onOpenAutoFocus={(focus) => {
          focus.preventDefault();
          contentRef.current?.focus();
        }}
        onCloseAutoFocus={(focus) => {
          focus.preventDefault();
          onCloseAutoFocus();
        }}
      >
        <DialogHeader>
          <div className="flex flex-wrap items-center gap-2">
            <DialogTitle className="font-mono wrap-anywhere">{event.action}</DialogTitle>
            <OutcomeBadge outcome={event.outcome} />
          </div>
          <DialogDescription>
            {occurredAt.toLocaleString([], { dateStyle: "full", timeStyle: "medium" })} (
            {formatTimeAgo(occurredAt, Date.now())})
          </DialogDescription>
        </DialogHeader>

        {event.reason && (
          <div
            role="note"
            className={cn(
              "rounded-lg border p-3 text-sm wrap-anywhere",
              event.outcome === "OK"
                ? "bg-muted/40"
                : event.outcome === "UPSTREAM_ERROR" || event.outcome === "TIMEOUT"
                  ? "border-warning/30 bg-warning/10"
                  : "border-destructive/25 bg-destructive/5",
            )}
            data-testid="audit-event-reason"
          >
            <span className="font-medium">Reason: </span>
            {event.reason}
          </div>
        )}

        <div className="grid gap-x-8 gap-y-5 md:grid-cols-2">
          <DetailGroup title="Event">
            <DetailRow label="Time (UTC)">
              <Value isMono>{occurredAt.toISOString()}</Value>
            </DetailRow>
            <DetailRow label="Action">
              <Value isMono>{event.action}</Value>
            </DetailRow>
            <DetailRow label="Outcome">
              <OutcomeBadge outcome={event.outcome} />
            </DetailRow>
            <DetailRow label="Method">
              <Value isMono>{event.method}</Value>
            </DetailRow>
            <DetailRow label="Tool, prompt or resource">
              <Value isMono>{event.subject}</Value>
            </DetailRow>
            <DetailRow label="Latency">
              <Value>{event.latencyMs === null ? null : formatLatency(event.latencyMs)}</Value>
            </DetailRow>
            <DetailRow label="Request size">
              <Value>{formatBytes(event.requestBytes)}</Value>
            </DetailRow>
            <DetailRow label="Response size">
              <Value>{formatBytes(event.responseBytes)}</Value>
            </DetailRow>
            <DetailRow label="Target">
              <Value isMono>
                {event.targetType || event.targetId
                  ? [event.targetType, event.targetId].filter(Boolean).join(" ")
                  : null}
              </Value>
            </DetailRow>
            <DetailRow label="Event id">
              <Value isMono>{event.id}</Value>
            </DetailRow>
          </DetailGroup>

          <DetailGroup title="Who and where">
            <DetailRow label="Person">
              <span className="wrap-anywhere">{who.label}</span>
              {who.detail && (
                <span className="block text-xs text-muted-foreground wrap-anywhere">{who.detail}</span>
              )}
              {actor && who.detail !== actor.id && (
                <span className="block font-mono text-xs text-muted-foreground wrap-anywhere">
                  {actor.id}
                </span>
              )}
            </DetailRow>
            <DetailRow label="Token">
              {token ? <NamedId name={tokenLabel(token)} id={token.id} /> : <Empty />}
            </DetailRow>
            <DetailRow label="Agent">
              <Value isMono>{event.client}</Value>
            </DetailRow>
            <DetailRow label="Server">
              {server ? (
                <>
                  {href ? (
                    <Link
                      href={href}
                      className="font-medium underline-offset-4 hover:underline wrap-anywhere"
                    >
                      {server.name}
                    </Link>
                  ) : (
                    <span className="wrap-anywhere">{server.name ?? "Deleted server"}</span>
                  )}
                  <span className="block font-mono text-xs text-muted-foreground wrap-anywhere">
                    {server.id}
                  </span>
                </>
              ) : (
                <Empty />
              )}
            </DetailRow>
            <DetailRow label="Connection">
              {connection ? <NamedId name={connectionLabel(connection)} id={connection.id} /> : <Empty />}
            </DetailRow>
            <DetailRow label="Session">
              <Value isMono>{event.sessionId}</Value>
            </DetailRow>
            <DetailRow label="IP address">
              <Value isMono>{event.clientIp}</Value>
            </DetailRow>
            <DetailRow label="User agent">
              <Value>{event.userAgent}</Value>
            </DetailRow>
            <DetailRow label="Request id">
              <Value isMono>{event.requestId}</Value>
            </DetailRow>
          </DetailGroup>
        </div>

        <section className="space-y-2">
          <h3 className="text-sm font-semibold">Metadata</h3>
          {metadata === null ? (
            <p className="text-sm text-muted-foreground">None recorded.</p>
          ) : (
            <CodeBlock testId="audit-metadata">{metadata}</CodeBlock>
          )}
        </section>

        <BodiesSection event={event} canReadBodies={canReadBodies} />

        {(actor || token || server || connection || event.sessionId) && (
          <DialogFooter className="flex-wrap border-t pt-4">
            {actor && (
              <Button variant="outline" size="sm" onClick={() => onShowUser(actor.id, who.label)}>
                <UserRound aria-hidden="true" />
                Only this person's events
              </Button>
            )}
            {token && (
              <Button variant="outline" size="sm" onClick={() => onShowToken(token.id, tokenLabel(token))}>
                <KeyRound aria-hidden="true" />
                Only this token's events
              </Button>
            )}
            {server && (
              <Button
                variant="outline"
                size="sm"
                onClick={() => onShowServer(server.id, server.name ?? "Deleted server")}
              >
                <ServerCog aria-hidden="true" />
                Only this server's events
              </Button>
            )}
            {connection && (
              <Button
                variant="outline"
                size="sm"
                onClick={() => onShowConnection(connection.id, connectionLabel(connection))}
              >
                <Cable aria-hidden="true" />
                Only this connection's events
              </Button>
            )}
            {event.sessionId && (
              <Button variant="outline" size="sm" onClick={() => onShowSession(event.sessionId as string)}>
                <MessagesSquare aria-hidden="true" />
                Only this session's events
              </Button>
            )}
          </DialogFooter>
        )}
      </DialogContent>
    </Dialog>
  );
}
