"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { ChevronRight, Info, KeyRound, ScrollText, X } from "lucide-react";
import Link from "next/link";
import { type MouseEvent, type ReactNode, useEffect, useRef, useState } from "react";
import { formatLatency, formatNumber, pluralize } from "@/components/lib/format";
import { useDebouncedValue } from "@/components/lib/use-debounced-value";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { FilteredEmptyRow } from "@/components/ui/filtered-empty-row";
import { NativeSelect } from "@/components/ui/native-select";
import { RelativeTime } from "@/components/ui/relative-time";
import { SearchInput } from "@/components/ui/search-input";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { AuditKind, AuditOutcomeFilter, AuditPeriod } from "@/server/services/audit/list-audit-events";
import { AuditEventDialog } from "./audit-event-dialog";
import {
  type AuditFilters,
  DEFAULT_FILTERS,
  filtersToQuery,
  hasNarrowingFilters,
  KIND_LABELS,
  listInput,
  OUTCOME_LABELS,
  PERIOD_LABELS,
  PERIOD_PHRASES,
} from "./audit-filters";
import { type AuditEvent, actorOf, isMcpEvent, mcpSummary, OutcomeBadge, tokenLabel } from "./audit-labels";

type Visibility = "all" | "own_servers";
/** A user, token, server or connection filter; the label is known when it was picked here, looked up from the rows otherwise. */
type NamedFilter = { id: string; label: string | null };

const COLUMNS = 7;

function TableSkeleton() {
  return (
    <div className="space-y-4 border-t px-5 py-5" aria-busy="true">
      <span className="sr-only" role="status">
        Loading audit events…
      </span>
      {["a", "b", "c", "d", "e", "f"].map((key) => (
        <div key={key} className="flex items-center gap-4">
          <Skeleton className="h-4 w-16" />
          <div className="w-40 space-y-1.5">
            <Skeleton className="h-4 w-28" />
            <Skeleton className="h-3 w-36" />
          </div>
          <div className="w-48 space-y-1.5">
            <Skeleton className="h-4 w-24" />
            <Skeleton className="h-3 w-40" />
          </div>
          <Skeleton className="hidden h-4 w-32 md:block" />
          <Skeleton className="h-5 w-16" />
          <Skeleton className="ml-auto hidden h-4 w-12 sm:block" />
        </div>
      ))}
    </div>
  );
}

function ActorCell({ event }: { event: AuditEvent }) {
  const who = actorOf(event);
  return (
    <>
      <p className={cn("truncate font-medium", !event.actor && "text-muted-foreground")} title={who.label}>
        {who.label}
      </p>
      {who.detail && (
        <p className="truncate text-xs text-muted-foreground" title={who.detail}>
          {who.detail}
        </p>
      )}
      {event.token && (
        <p className="flex min-w-0 items-center gap-1 text-xs text-muted-foreground">
          <KeyRound className="size-3 shrink-0" aria-hidden="true" />
          <span className="sr-only">Token:</span>
          <span className="truncate" title={tokenLabel(event.token)}>
            {tokenLabel(event.token)}
          </span>
        </p>
      )}
    </>
  );
}

function ServerCell({ server, href }: { server: AuditEvent["server"]; href: string | null }) {
  if (!server) return <span className="text-muted-foreground">—</span>;
  const name = server.name ?? "Deleted server";
  return (
    <>
      {href ? (
        <Link href={href} className="block truncate font-medium hover:underline" title={name}>
          {name}
        </Link>
      ) : (
        <p className={cn("truncate", !server.name && "text-muted-foreground")} title={server.id}>
          {name}
        </p>
      )}
      {server.slug && <p className="truncate font-mono text-xs text-muted-foreground">{server.slug}</p>}
    </>
  );
}

/** A removable "Server: Everything" chip for a filter set from an event. */
function FilterChip({ label, onRemove, testId }: { label: string; onRemove: () => void; testId: string }) {
  return (
    <span
      data-testid={testId}
      className="inline-flex h-7 max-w-72 items-center gap-1 rounded-full border bg-background pr-1 pl-2.5 text-xs font-medium"
    >
      <span className="truncate">{label}</span>
      <button
        type="button"
        onClick={onRemove}
        aria-label={`Remove filter ${label}`}
        className="inline-flex size-5 shrink-0 items-center justify-center rounded-full text-muted-foreground outline-none hover:bg-accent hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50"
      >
        <X className="size-3" aria-hidden="true" />
      </button>
    </span>
  );
}

/**
 * The audit log: filters (kept in the address bar, so a filtered view can be shared or reloaded), a
 * table of events newest first, loaded a page at a time, and a dialog with everything an event
 * recorded, where Auditors may open its request and response bodies.
 */
export function AuditLog({
  initialFilters,
  visibility,
  canReadBodies,
  canManageServers,
}: {
  initialFilters: AuditFilters;
  visibility: Visibility;
  canReadBodies: boolean;
  canManageServers: boolean;
}) {
  const trpc = useTRPC();
  const [searchText, setSearchText] = useState(initialFilters.search);
  const [kind, setKind] = useState(initialFilters.kind);
  const [outcome, setOutcome] = useState(initialFilters.outcome);
  const [period, setPeriod] = useState(initialFilters.period);
  const [userFilter, setUserFilter] = useState<NamedFilter | null>(
    initialFilters.userId ? { id: initialFilters.userId, label: null } : null,
  );
  const [tokenFilter, setTokenFilter] = useState<NamedFilter | null>(
    initialFilters.tokenId ? { id: initialFilters.tokenId, label: null } : null,
  );
  const [serverFilter, setServerFilter] = useState<NamedFilter | null>(
    initialFilters.serverId ? { id: initialFilters.serverId, label: null } : null,
  );
  const [connectionFilter, setConnectionFilter] = useState<NamedFilter | null>(
    initialFilters.connectionId ? { id: initialFilters.connectionId, label: null } : null,
  );
  const [sessionFilter, setSessionFilter] = useState<string | null>(initialFilters.sessionId);
  const search = useDebouncedValue(searchText.trim(), 300);
  const filters: AuditFilters = {
    kind,
    outcome,
    period,
    search,
    userId: userFilter?.id ?? null,
    tokenId: tokenFilter?.id ?? null,
    serverId: serverFilter?.id ?? null,
    connectionId: connectionFilter?.id ?? null,
    sessionId: sessionFilter,
  };
  const isNarrowed = hasNarrowingFilters(filters);

  const events = useInfiniteQuery({
    ...trpc.audit.list.infiniteQueryOptions(listInput(filters), {
      getNextPageParam: (page) => page.nextCursor ?? undefined,
    }),
    placeholderData: keepPreviousData,
  });
  const items = events.data?.pages.flatMap((page) => page.items) ?? [];

  // Mirror the filters into the address bar without a navigation (Next keeps useSearchParams in sync).
  const query = filtersToQuery(filters);
  useEffect(() => {
    if (window.location.search !== query) {
      window.history.replaceState(window.history.state, "", `${window.location.pathname}${query}`);
    }
  }, [query]);

  // The event stays set while its dialog animates closed, so the dialog does not go blank.
  const [selected, setSelected] = useState<AuditEvent | null>(null);
  const [isDetailOpen, setIsDetailOpen] = useState(false);
  const openerRef = useRef<HTMLElement | null>(null);
  const openEvent = (event: AuditEvent, opener: HTMLElement | null) => {
    openerRef.current = opener;
    setSelected(event);
    setIsDetailOpen(true);
  };
  const onRowClick = (mouse: MouseEvent<HTMLTableRowElement>, event: AuditEvent) => {
    // Links and buttons in the row do their own thing; anywhere else opens the event.
    if ((mouse.target as HTMLElement).closest("a, button")) return;
    openEvent(event, mouse.currentTarget.querySelector<HTMLElement>("button[data-opener]"));
  };
  // Focus goes back to the row's button (the dialog was not opened by a Radix trigger).
  const restoreFocus = () => {
    const opener = openerRef.current;
    if (opener?.isConnected) opener.focus();
    else if (selected)
      document.querySelector<HTMLElement>(`[data-event-id="${selected.id}"] button[data-opener]`)?.focus();
  };

  // Admins manage every server and Power users read only their own: both can open its manage page.
  // Others (an Auditor with a Basic role) may not reach the server at all, so it is named, not linked.
  const serverHref = (server: NonNullable<AuditEvent["server"]>): string | null =>
    server.name !== null && (canManageServers || visibility === "own_servers")
      ? `/servers/${server.id}`
      : null;

  const clearFilters = () => {
    setSearchText("");
    setKind(DEFAULT_FILTERS.kind);
    setOutcome(DEFAULT_FILTERS.outcome);
    setPeriod(DEFAULT_FILTERS.period);
    setUserFilter(null);
    setTokenFilter(null);
    setServerFilter(null);
    setConnectionFilter(null);
    setSessionFilter(null);
  };

  // A filter from the address knows only an id: name it after the first row that does, and keep that
  // name when narrower filters leave no such row (state adjusted while rendering, as React allows).
  if (userFilter?.label === null) {
    const event = items.find((item) => item.actor?.id === userFilter.id);
    if (event) setUserFilter({ id: userFilter.id, label: actorOf(event).label });
  }
  if (tokenFilter?.label === null) {
    const token = items.find((item) => item.token?.id === tokenFilter.id)?.token;
    if (token) setTokenFilter({ id: tokenFilter.id, label: tokenLabel(token) });
  }
  if (serverFilter?.label === null) {
    const name = items.find((item) => item.server?.id === serverFilter.id)?.server?.name;
    if (name) setServerFilter({ id: serverFilter.id, label: name });
  }
  if (connectionFilter?.label === null) {
    const name = items.find((item) => item.connection?.id === connectionFilter.id)?.connection?.name;
    if (name) setConnectionFilter({ id: connectionFilter.id, label: name });
  }
  const shortId = (id: string) => `${id.slice(0, 8)}…`;
  const labelOf = (filter: NamedFilter, noun: string) => filter.label ?? `${noun} ${shortId(filter.id)}`;

  const isOwnServers = visibility === "own_servers";
  let body: ReactNode;
  if (events.isPending) {
    body = <TableSkeleton />;
  } else if (events.isError && !events.data) {
    body = (
      <div className="border-t p-5">
        <ErrorState
          title="Couldn't load the audit log"
          message={events.error.message}
          onRetry={() => void events.refetch()}
          isRetrying={events.isFetching}
        />
      </div>
    );
  } else if (items.length === 0 && !isNarrowed) {
    body = (
      <EmptyState
        className="border-t py-14"
        icon={ScrollText}
        title={`Nothing recorded${PERIOD_PHRASES[period]}`}
        description={
          <>
            {isOwnServers
              ? "Calls people make through the servers you publish, and changes to those servers, appear here as they happen."
              : "Every request agents send through Gatehouse, and every change to users, teams, tokens, servers and registries, appears here as it happens."}
            {period !== "all" && " Choose a longer period to look further back."}
          </>
        }
        action={
          period !== "all" ? (
            <Button variant="outline" size="sm" onClick={() => setPeriod("all")}>
              Show all time
            </Button>
          ) : undefined
        }
        data-testid="audit-empty"
      />
    );
  } else {
    body = (
      <div className={cn("border-t transition-opacity", events.isPlaceholderData && "opacity-60")}>
        <Table data-testid="audit-table">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Time</TableHead>
              <TableHead>Who</TableHead>
              <TableHead>What</TableHead>
              <TableHead className="hidden md:table-cell">Server</TableHead>
              <TableHead>Outcome</TableHead>
              <TableHead className="hidden text-right sm:table-cell">Latency</TableHead>
              <TableHead className="hidden w-8 sm:table-cell">
                <span className="sr-only">Details</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((event) => {
              const summary = mcpSummary(event);
              return (
                <TableRow
                  key={event.id}
                  data-testid="audit-row"
                  data-event-id={event.id}
                  data-action={event.action}
                  data-outcome={event.outcome}
                  className="cursor-pointer"
                  onClick={(mouse) => onRowClick(mouse, event)}
                >
                  <TableCell className="whitespace-nowrap align-top text-muted-foreground">
                    <RelativeTime date={event.occurredAt} />
                  </TableCell>
                  <TableCell className="max-w-56 min-w-32 align-top">
                    <ActorCell event={event} />
                  </TableCell>
                  <TableCell className="max-w-80 min-w-40 align-top">
                    <button
                      type="button"
                      data-opener
                      aria-haspopup="dialog"
                      aria-label={`Details of ${event.action}${summary ? ` (${summary})` : ""}`}
                      onClick={(click) => openEvent(event, click.currentTarget)}
                      className="block max-w-full rounded-sm text-left outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/50"
                    >
                      <span className="block truncate font-mono text-xs font-medium">{event.action}</span>
                      {summary && (
                        <span className="block truncate font-mono text-xs text-muted-foreground">
                          {summary}
                        </span>
                      )}
                    </button>
                  </TableCell>
                  <TableCell className="hidden max-w-48 min-w-28 align-top md:table-cell">
                    <ServerCell server={event.server} href={event.server ? serverHref(event.server) : null} />
                  </TableCell>
                  <TableCell className="max-w-64 min-w-32 align-top">
                    <OutcomeBadge outcome={event.outcome} />
                    {event.reason && (
                      <p
                        className="mt-1 line-clamp-2 text-xs break-words text-muted-foreground"
                        title={event.reason}
                        data-testid="audit-reason"
                      >
                        {event.reason}
                      </p>
                    )}
                  </TableCell>
                  <TableCell className="hidden whitespace-nowrap text-right align-top text-xs tabular-nums sm:table-cell">
                    {isMcpEvent(event) && event.latencyMs !== null ? (
                      formatLatency(event.latencyMs)
                    ) : (
                      <span className="text-muted-foreground">—</span>
                    )}
                  </TableCell>
                  <TableCell className="hidden w-8 align-top text-muted-foreground sm:table-cell">
                    <ChevronRight className="size-4" aria-hidden="true" />
                  </TableCell>
                </TableRow>
              );
            })}
            {items.length === 0 && (
              <FilteredEmptyRow
                colSpan={COLUMNS}
                isSearching={events.isPlaceholderData && events.isFetching}
                searchingText="Searching the audit log…"
                failure={events.isError ? events.error.message : null}
                noMatchText={`No events match these filters${PERIOD_PHRASES[period]}. Try a longer period, another kind or outcome, or different search words, or clear the filters.`}
              />
            )}
          </TableBody>
        </Table>
        {items.length > 0 && (
          <div className="flex items-center justify-between gap-3 border-t px-5 py-3 text-sm text-muted-foreground">
            <span data-testid="audit-count" role="status">
              {events.hasNextPage
                ? `${formatNumber(items.length)} events loaded, newest first`
                : `${pluralize(items.length, "event")}${isNarrowed ? (items.length === 1 ? " matches" : " match") : ""}${PERIOD_PHRASES[period]}`}
            </span>
            {events.hasNextPage && (
              <Button
                variant="outline"
                size="sm"
                onClick={() => void events.fetchNextPage()}
                disabled={events.isFetchingNextPage}
              >
                {events.isFetchingNextPage ? "Loading…" : "Load more"}
              </Button>
            )}
          </div>
        )}
      </div>
    );
  }

  return (
    <div className="space-y-4">
      {isOwnServers && (
        <div
          data-testid="audit-visibility-note"
          role="note"
          className="flex gap-3 rounded-lg border border-primary/20 bg-primary/5 p-4 text-sm"
        >
          <Info className="mt-0.5 size-4 shrink-0 text-primary" aria-hidden="true" />
          <div className="space-y-0.5">
            <p className="font-medium">You see only the events of servers you published</p>
            <p className="text-muted-foreground">
              That is every call people made through them and every change to them. Admins and Auditors see
              the events of every server and every change in Gatehouse.
            </p>
          </div>
        </div>
      )}

      <Card data-testid="audit-log">
        <div className="space-y-3 p-4">
          <div className="flex flex-col gap-3 lg:flex-row lg:items-center">
            <SearchInput
              wrapperClassName="flex-1"
              value={searchText}
              onChange={(change) => setSearchText(change.target.value)}
              placeholder="Search action, method, tool or reason"
              aria-label="Search action, method, tool or reason"
              maxLength={200}
              data-testid="audit-search"
            />
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-3 lg:flex">
              <NativeSelect
                wrapperClassName="lg:w-52"
                aria-label="Kind of event"
                value={kind}
                onChange={(change) => setKind(change.target.value as AuditKind)}
                data-testid="audit-kind"
              >
                {Object.entries(KIND_LABELS).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </NativeSelect>
              <NativeSelect
                wrapperClassName="lg:w-44"
                aria-label="Outcome"
                value={outcome}
                onChange={(change) => setOutcome(change.target.value as "" | AuditOutcomeFilter)}
                data-testid="audit-outcome"
              >
                <option value="">Any outcome</option>
                {Object.entries(OUTCOME_LABELS).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </NativeSelect>
              <NativeSelect
                wrapperClassName="lg:w-40"
                aria-label="Period"
                value={period}
                onChange={(change) => setPeriod(change.target.value as AuditPeriod)}
                data-testid="audit-period"
              >
                {Object.entries(PERIOD_LABELS).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </NativeSelect>
            </div>
          </div>
          {isNarrowed && (
            <div className="flex flex-wrap items-center gap-2">
              {userFilter && (
                <FilterChip
                  testId="audit-user-filter"
                  label={`Person: ${labelOf(userFilter, "user")}`}
                  onRemove={() => setUserFilter(null)}
                />
              )}
              {tokenFilter && (
                <FilterChip
                  testId="audit-token-filter"
                  label={`Token: ${labelOf(tokenFilter, "token")}`}
                  onRemove={() => setTokenFilter(null)}
                />
              )}
              {serverFilter && (
                <FilterChip
                  testId="audit-server-filter"
                  label={`Server: ${labelOf(serverFilter, "server")}`}
                  onRemove={() => setServerFilter(null)}
                />
              )}
              {connectionFilter && (
                <FilterChip
                  testId="audit-connection-filter"
                  label={`Connection: ${labelOf(connectionFilter, "connection")}`}
                  onRemove={() => setConnectionFilter(null)}
                />
              )}
              {sessionFilter && (
                <FilterChip
                  testId="audit-session-filter"
                  label={`Session: ${sessionFilter.length > 16 ? `${sessionFilter.slice(0, 16)}…` : sessionFilter}`}
                  onRemove={() => setSessionFilter(null)}
                />
              )}
              <Button
                variant="ghost"
                size="sm"
                className="h-7 text-muted-foreground"
                onClick={clearFilters}
                data-testid="audit-clear-filters"
              >
                <X aria-hidden="true" />
                Clear filters
              </Button>
            </div>
          )}
        </div>
        {events.isError && events.data && (
          <div className="border-t px-5 py-4">
            <ErrorState
              title={
                events.isFetchNextPageError
                  ? "Couldn't load more events"
                  : "Couldn't refresh the audit log; showing the last list"
              }
              message={events.error.message}
              onRetry={() => void (events.isFetchNextPageError ? events.fetchNextPage() : events.refetch())}
              isRetrying={events.isFetching}
            />
          </div>
        )}
        {body}
      </Card>

      <AuditEventDialog
        event={selected}
        open={isDetailOpen}
        onOpenChange={setIsDetailOpen}
        onCloseAutoFocus={restoreFocus}
        canReadBodies={canReadBodies}
        serverHref={serverHref}
        onShowUser={(id, label) => {
          setUserFilter({ id, label });
          setIsDetailOpen(false);
        }}
        onShowToken={(id, label) => {
          setTokenFilter({ id, label });
          setIsDetailOpen(false);
        }}
        onShowServer={(id, label) => {
          setServerFilter({ id, label });
          setIsDetailOpen(false);
        }}
        onShowConnection={(id, label) => {
          setConnectionFilter({ id, label });
          setIsDetailOpen(false);
        }}
        onShowSession={(sessionId) => {
          setSessionFilter(sessionId);
          setIsDetailOpen(false);
        }}
      />
    </div>
  );
}
