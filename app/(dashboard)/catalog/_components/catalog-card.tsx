import { CircleCheck, PencilRuler, Wrench } from "lucide-react";
import Link from "next/link";
import { formatLatency, pluralize } from "@/components/lib/format";
import type { RouterOutputs } from "@/components/lib/router-types";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { ServerIcon } from "@/components/ui/server-icon";
import { StatusDot } from "@/components/ui/status-dot";
import { HEALTH_LABELS, TRANSPORT_LABELS } from "./labels";

export type CatalogCardData = RouterOutputs["catalog"]["list"]["servers"][number];

const MAX_TAGS_SHOWN = 3;

/**
 * One server in the catalog grid. The title link covers the whole card (after:inset-0), so the
 * card is one click target; a personal draft links to its management page instead.
 */
export function CatalogCard({ server }: { server: CatalogCardData }) {
  const href = server.isDraft ? `/servers/${server.id}` : `/catalog/${server.slug}`;
  const extraTags = server.tags.length - MAX_TAGS_SHOWN;
  const health = HEALTH_LABELS[server.health.status];

  return (
    <Card
      data-testid="catalog-card"
      data-slug={server.slug}
      className="group relative flex min-w-0 flex-col gap-3 p-4 transition-[border-color,box-shadow] hover:border-primary/40 hover:shadow-sm has-[a:focus-visible]:ring-[3px] has-[a:focus-visible]:ring-ring/50"
    >
      <div className="flex items-start gap-3">
        <ServerIcon name={server.name} iconUrl={server.iconUrl} />
        <div className="min-w-0 flex-1">
          <h2 className="truncate text-sm font-semibold leading-5" title={server.name}>
            <Link href={href} className="outline-none after:absolute after:inset-0 after:rounded-xl">
              {server.name}
            </Link>
          </h2>
          <p className="truncate text-xs text-muted-foreground">
            {server.version ? `v${server.version}` : "No version yet"}
            {server.transport && ` · ${TRANSPORT_LABELS[server.transport]}`}
            {server.scope === "PERSONAL" && " · Personal"}
          </p>
        </div>
        {server.isDraft ? (
          <Badge variant="warning" data-testid="draft-badge">
            <PencilRuler aria-hidden="true" />
            Draft
          </Badge>
        ) : (
          server.connectionCount > 0 && (
            <Badge variant="success" data-testid="connected-badge">
              <CircleCheck aria-hidden="true" />
              Connected
            </Badge>
          )
        )}
      </div>

      <p className="line-clamp-2 min-h-10 text-sm leading-5 text-muted-foreground">
        {server.description || <span className="italic">No description.</span>}
      </p>

      {server.tags.length > 0 && (
        <ul className="flex flex-wrap gap-1.5" aria-label="Tags">
          {server.tags.slice(0, MAX_TAGS_SHOWN).map((tag) => (
            <li key={tag}>
              <Badge variant="outline" className="max-w-40 font-normal text-muted-foreground">
                <span className="truncate">{tag}</span>
              </Badge>
            </li>
          ))}
          {extraTags > 0 && (
            <li>
              <Badge variant="outline" className="font-normal text-muted-foreground">
                +{extraTags}
              </Badge>
            </li>
          )}
        </ul>
      )}

      <div className="mt-auto flex items-center justify-between gap-3 border-t pt-3 text-xs text-muted-foreground">
        <span className="inline-flex items-center gap-1.5" data-testid="tool-count">
          <Wrench className="size-3.5" aria-hidden="true" />
          {server.toolCount === null ? "Tools not discovered yet" : pluralize(server.toolCount, "tool")}
        </span>
        {server.isDraft ? (
          // Above the stretched title link so it is its own target (same destination).
          <Link
            href={href}
            className="relative z-10 font-medium text-primary underline-offset-4 hover:underline"
          >
            Manage
          </Link>
        ) : (
          <span className="inline-flex items-center gap-1.5" data-testid="health">
            <StatusDot status={health.dot} />
            {health.label}
            {server.health.status === "HEALTHY" && server.health.latencyMs !== null && (
              <span className="tabular-nums">· {formatLatency(server.health.latencyMs)}</span>
            )}
          </span>
        )}
      </div>
    </Card>
  );
}
