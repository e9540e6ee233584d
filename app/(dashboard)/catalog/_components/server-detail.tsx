"use client";

import { useQuery } from "@tanstack/react-query";
import { Cable, ChevronRight, PencilRuler, Plug, TriangleAlert } from "lucide-react";
import Link from "next/link";
import { type KeyboardEvent, useId, useState } from "react";
import { isNotFound } from "@/components/lib/errors";
import { formatLatency } from "@/components/lib/format";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { BackLink } from "@/components/ui/back-link";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { DetailRow } from "@/components/ui/detail-row";
import { ErrorState } from "@/components/ui/error-state";
import { Markdown } from "@/components/ui/markdown";
import { RelativeTime } from "@/components/ui/relative-time";
import { SafeLink } from "@/components/ui/safe-link";
import { ServerIcon } from "@/components/ui/server-icon";
import { Skeleton } from "@/components/ui/skeleton";
import { StatusDot } from "@/components/ui/status-dot";
import {
  type CatalogServer,
  ConfigurationPanel,
  PromptsPanel,
  ResourcesPanel,
  ToolsPanel,
} from "./capability-panels";
import { CONNECTION_STATUS, HEALTH_LABELS, TRANSPORT_LABELS } from "./labels";
import { ServerMissing } from "./server-missing";

export function ServerDetailSkeleton() {
  return (
    <div className="space-y-6" aria-busy="true">
      <span className="sr-only" role="status">
        Loading the server…
      </span>
      <Skeleton className="h-8 w-24" />
      <div className="flex items-start gap-4">
        <Skeleton className="size-14 rounded-xl" />
        <div className="flex-1 space-y-2">
          <Skeleton className="h-7 w-64" />
          <Skeleton className="h-4 w-80 max-w-full" />
          <Skeleton className="h-5 w-40" />
        </div>
        <Skeleton className="hidden h-9 w-28 sm:block" />
      </div>
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="space-y-6">
          <Card className="space-y-3 p-5">
            <Skeleton className="h-4 w-20" />
            <Skeleton className="h-4 w-full" />
            <Skeleton className="h-4 w-3/4" />
          </Card>
          <Card className="space-y-4 p-5">
            <Skeleton className="h-8 w-80 max-w-full" />
            <Skeleton className="h-24 w-full" />
            <Skeleton className="h-24 w-full" />
          </Card>
        </div>
        <Card className="h-fit space-y-3 p-5">
          <Skeleton className="h-4 w-24" />
          <Skeleton className="h-4 w-full" />
          <Skeleton className="h-4 w-full" />
          <Skeleton className="h-4 w-2/3" />
        </Card>
      </div>
    </div>
  );
}

/** A catalog server's page: what it is, what it offers this user, and the way to connect it. */
export function ServerDetailView({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.catalog.get.queryOptions({ slug }));

  if (query.isPending) return <ServerDetailSkeleton />;
  if (query.isError && !query.data) {
    if (isNotFound(query.error)) return <ServerMissing />;
    return (
      <div className="space-y-6">
        <BackLink href="/catalog">Catalog</BackLink>
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

  return (
    <div className="space-y-6" data-testid="catalog-server" data-slug={server.slug}>
      <BackLink href="/catalog">Catalog</BackLink>
      <Header server={server} />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0 space-y-6">
          {server.health.status === "UNHEALTHY" && !server.isDraft && <HealthProblem server={server} />}
          <Card data-testid="about">
            <CardHeader>
              <CardTitle as="h2">About</CardTitle>
            </CardHeader>
            <CardContent className="pt-3">
              {server.description ? (
                <Markdown>{server.description}</Markdown>
              ) : (
                <p className="text-sm text-muted-foreground italic">The publisher added no description.</p>
              )}
            </CardContent>
          </Card>
          <CapabilityTabs server={server} />
        </div>
        <aside className="space-y-6">
          {server.connections.length > 0 && <YourConnections server={server} />}
          <Details server={server} />
        </aside>
      </div>
    </div>
  );
}

function Header({ server }: { server: CatalogServer }) {
  const health = HEALTH_LABELS[server.health.status];
  return (
    <div className="flex flex-col gap-4 sm:flex-row sm:items-start">
      <div className="flex min-w-0 flex-1 items-start gap-4">
        <ServerIcon name={server.name} iconUrl={server.iconUrl} size="lg" />
        <div className="min-w-0 space-y-1.5">
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="break-words text-2xl font-semibold tracking-tight">{server.name}</h1>
            {server.isDraft && (
              <Badge variant="warning">
                <PencilRuler aria-hidden="true" />
                Draft
              </Badge>
            )}
            {server.scope === "PERSONAL" && !server.isDraft && <Badge variant="outline">Personal</Badge>}
          </div>
          <p className="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm text-muted-foreground">
            {server.version && (
              <>
                <span className="font-mono text-xs">v{server.version.version}</span>
                <span aria-hidden="true">·</span>
                <span>{TRANSPORT_LABELS[server.version.transport]}</span>
                <span aria-hidden="true">·</span>
              </>
            )}
            <span>
              Published by {server.publisher.name}
              {server.publisher.isYou && " (you)"}
            </span>
            {!server.isDraft && (
              <>
                <span aria-hidden="true">·</span>
                <span className="inline-flex items-center gap-1.5" data-testid="health">
                  <StatusDot status={health.dot} />
                  {health.label}
                  {server.health.status === "HEALTHY" && server.health.latencyMs !== null && (
                    <span className="tabular-nums">({formatLatency(server.health.latencyMs)})</span>
                  )}
                </span>
              </>
            )}
          </p>
          {server.tags.length > 0 && (
            <ul className="flex flex-wrap gap-1.5 pt-0.5" aria-label="Tags">
              {server.tags.map((tag) => (
                <li key={tag}>
                  <Badge variant="outline" className="max-w-56 font-normal text-muted-foreground">
                    <span className="truncate">{tag}</span>
                  </Badge>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <div className="flex shrink-0 gap-2 sm:pt-1">
        {server.isDraft ? (
          server.publisher.isYou && (
            <Button asChild variant="outline">
              <Link href={`/servers/${server.id}`}>Manage</Link>
            </Button>
          )
        ) : (
          <Button asChild data-testid="connect-button">
            <Link href={`/catalog/${server.slug}/connect`}>
              <Plug aria-hidden="true" />
              {server.connections.length > 0 ? "Connect again" : "Connect"}
            </Link>
          </Button>
        )}
      </div>
    </div>
  );
}

function HealthProblem({ server }: { server: CatalogServer }) {
  return (
    <div
      className="flex items-start gap-3 rounded-lg border border-destructive/30 bg-destructive/5 p-4 text-sm"
      data-testid="health-problem"
    >
      <TriangleAlert className="mt-0.5 size-4 shrink-0 text-destructive" aria-hidden="true" />
      <div className="min-w-0 space-y-1">
        <p className="font-medium">
          Gatehouse couldn't reach this server
          {server.health.checkedAt && (
            <>
              {" "}
              (checked <RelativeTime date={server.health.checkedAt} />)
            </>
          )}
          .
        </p>
        {server.health.error && (
          <p className="break-words font-mono text-xs text-muted-foreground">{server.health.error}</p>
        )}
        <p className="text-muted-foreground">
          You can still connect it; calls may fail until the upstream answers again.
        </p>
      </div>
    </div>
  );
}

function YourConnections({ server }: { server: CatalogServer }) {
  return (
    <Card data-testid="your-connections">
      <CardHeader>
        <CardTitle as="h2">Your connections</CardTitle>
      </CardHeader>
      <CardContent className="pt-3">
        <ul className="-mx-2 space-y-0.5">
          {server.connections.map((connection) => {
            const status = CONNECTION_STATUS[connection.status];
            return (
              <li key={connection.id}>
                <Link
                  href={`/connections/${connection.id}`}
                  className="group flex items-center gap-2 rounded-md px-2 py-1.5 text-sm outline-none hover:bg-accent focus-visible:ring-[3px] focus-visible:ring-ring/50"
                >
                  <Cable className="size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
                  <span className="min-w-0 flex-1 truncate font-medium">{connection.name}</span>
                  <Badge variant={status.variant}>{status.label}</Badge>
                  <ChevronRight
                    className="size-4 shrink-0 text-muted-foreground transition-transform group-hover:translate-x-0.5"
                    aria-hidden="true"
                  />
                </Link>
              </li>
            );
          })}
        </ul>
      </CardContent>
    </Card>
  );
}

function Details({ server }: { server: CatalogServer }) {
  const health = HEALTH_LABELS[server.health.status];
  return (
    <Card data-testid="details">
      <CardHeader>
        <CardTitle as="h2">Details</CardTitle>
      </CardHeader>
      <CardContent className="pt-2">
        <dl className="divide-y">
          <DetailRow label="Version">
            {server.version ? (
              <span className="font-mono text-xs">{server.version.version}</span>
            ) : (
              "None yet"
            )}
          </DetailRow>
          {server.version && (
            <DetailRow label="Transport">{TRANSPORT_LABELS[server.version.transport]}</DetailRow>
          )}
          <DetailRow label="Publisher">
            {server.publisher.name}
            {server.publisher.isYou && " (you)"}
          </DetailRow>
          {!server.isDraft && (
            <>
              <DetailRow label="Health">
                <span className="inline-flex items-center gap-1.5">
                  <StatusDot status={health.dot} />
                  {health.label}
                </span>
              </DetailRow>
              {server.health.latencyMs !== null && server.health.status === "HEALTHY" && (
                <DetailRow label="Latency">
                  <span className="tabular-nums">{formatLatency(server.health.latencyMs)}</span>
                </DetailRow>
              )}
              <DetailRow label="Last checked">
                {server.health.checkedAt ? <RelativeTime date={server.health.checkedAt} /> : "Never"}
              </DetailRow>
              <DetailRow label="Tools discovered">
                {server.version?.discoveredAt ? (
                  <RelativeTime date={server.version.discoveredAt} />
                ) : (
                  "Not yet"
                )}
              </DetailRow>
            </>
          )}
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
      </CardContent>
    </Card>
  );
}

const TABS = [
  { id: "tools", label: "Tools", count: (s: CatalogServer) => s.tools.length, Panel: ToolsPanel },
  { id: "prompts", label: "Prompts", count: (s: CatalogServer) => s.prompts.length, Panel: PromptsPanel },
  {
    id: "resources",
    label: "Resources",
    count: (s: CatalogServer) => s.resources.length,
    Panel: ResourcesPanel,
  },
  {
    id: "configuration",
    label: "Configuration",
    count: (s: CatalogServer) => s.configuration.length,
    Panel: ConfigurationPanel,
  },
] as const;

type TabId = (typeof TABS)[number]["id"];

/** Tools, prompts, resources and configuration as tabs (arrow keys move between them). */
function CapabilityTabs({ server }: { server: CatalogServer }) {
  const [selected, setSelected] = useState<TabId>("tools");
  const baseId = useId();
  const tabId = (id: TabId) => `${baseId}-tab-${id}`;
  const panelId = (id: TabId) => `${baseId}-panel-${id}`;
  const active = TABS.find((tab) => tab.id === selected) ?? TABS[0];

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = TABS.findIndex((tab) => tab.id === selected);
    const next =
      event.key === "ArrowRight"
        ? (index + 1) % TABS.length
        : event.key === "ArrowLeft"
          ? (index - 1 + TABS.length) % TABS.length
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? TABS.length - 1
              : null;
    if (next === null) return;
    event.preventDefault();
    const tab = TABS[next];
    if (!tab) return;
    setSelected(tab.id);
    document.getElementById(tabId(tab.id))?.focus();
  };

  return (
    <Card className="gap-0" data-testid="capabilities">
      <div
        role="tablist"
        aria-label="What this server offers"
        className="flex gap-1 overflow-x-auto border-b px-3 pt-2"
        onKeyDown={onKeyDown}
      >
        {TABS.map((tab) => {
          const isSelected = tab.id === selected;
          const count = tab.count(server);
          const showCount = tab.id === "configuration" ? !server.isDraft : server.isDiscovered;
          return (
            <button
              key={tab.id}
              id={tabId(tab.id)}
              type="button"
              role="tab"
              aria-selected={isSelected}
              aria-controls={panelId(tab.id)}
              tabIndex={isSelected ? 0 : -1}
              onClick={() => setSelected(tab.id)}
              className={cn(
                "-mb-px inline-flex shrink-0 items-center gap-1.5 border-b-2 px-3 pt-1.5 pb-2.5 text-sm font-medium outline-none transition-colors focus-visible:ring-[3px] focus-visible:ring-ring/50 rounded-t-md",
                isSelected
                  ? "border-primary text-foreground"
                  : "border-transparent text-muted-foreground hover:text-foreground",
              )}
            >
              {tab.label}
              {showCount && (
                <span
                  className={cn(
                    "rounded-full px-1.5 text-xs tabular-nums",
                    isSelected ? "bg-primary/10 text-primary" : "bg-muted text-muted-foreground",
                  )}
                >
                  {count}
                </span>
              )}
            </button>
          );
        })}
      </div>
      <div id={panelId(active.id)} role="tabpanel" aria-labelledby={tabId(active.id)} className="p-4 sm:p-5">
        <active.Panel server={server} />
      </div>
    </Card>
  );
}
