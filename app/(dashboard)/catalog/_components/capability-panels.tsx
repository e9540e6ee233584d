"use client";

import {
  ChevronRight,
  EyeOff,
  FileText,
  KeyRound,
  Lock,
  MessageSquareText,
  Radar,
  SlidersHorizontal,
  Wrench,
} from "lucide-react";
import { useState } from "react";
import { pluralize } from "@/components/lib/format";
import type { RouterOutputs } from "@/components/lib/router-types";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { SearchInput } from "@/components/ui/search-input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

/**
 * The tabs of a catalog server's page. Everything here comes from the publisher or the upstream
 * and is rendered as text: names, descriptions and URIs are never links or markup.
 */

export type CatalogServer = RouterOutputs["catalog"]["get"];
type Tool = CatalogServer["tools"][number];

const TOOL_FILTER_THRESHOLD = 6;

/** Why a list is empty before discovery ran, or for a draft without an approved version. */
function NotDiscovered({ server, what }: { server: CatalogServer; what: string }) {
  if (server.isDraft) {
    return (
      <EmptyState
        icon={Radar}
        title="No approved version yet"
        description={`This personal server is still a draft. Its ${what} are listed once it has a version Gatehouse can reach.`}
      />
    );
  }
  return (
    <EmptyState
      icon={Radar}
      title={`${capitalize(what)} not discovered yet`}
      description={
        server.version?.transport === "STDIO"
          ? `This server runs as a process on the gateway; its ${what} are listed once Gatehouse has started it.`
          : `Gatehouse lists a server's ${what} after it first reaches the upstream, shortly after approval and then periodically. Check back in a few minutes.`
      }
      data-testid="not-discovered"
    />
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function Description({ text }: { text: string }) {
  if (!text) return null;
  // whitespace-pre-line keeps the upstream's line breaks; the text stays text.
  return <p className="whitespace-pre-line break-words text-sm text-muted-foreground">{text}</p>;
}

export function ToolsPanel({ server }: { server: CatalogServer }) {
  const [filter, setFilter] = useState("");
  if (!server.isDiscovered) return <NotDiscovered server={server} what="tools" />;

  const hiddenNotice =
    server.hiddenToolCount > 0 ? (
      <p
        className="flex items-start gap-2 rounded-lg border border-dashed px-3 py-2 text-sm text-muted-foreground"
        data-testid="hidden-tools"
      >
        <EyeOff className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
        {server.tools.length === 0
          ? `This server offers ${pluralize(server.hiddenToolCount, "tool")}, but your registries don't grant any of them to you. Ask the registry's owner if you need one.`
          : `${pluralize(server.hiddenToolCount, "more tool")} ${server.hiddenToolCount === 1 ? "is" : "are"} not shown: your registries only grant you the tools listed here.`}
      </p>
    ) : null;

  if (server.tools.length === 0) {
    return (
      <div className="space-y-4">
        {hiddenNotice ?? (
          <EmptyState
            icon={Wrench}
            title="No tools"
            description="The upstream answered, but it offers no tools."
          />
        )}
      </div>
    );
  }

  const term = filter.trim().toLowerCase();
  const tools = term
    ? server.tools.filter((tool) =>
        [tool.name, tool.title ?? "", tool.description].some((text) => text.toLowerCase().includes(term)),
      )
    : server.tools;

  return (
    <div className="space-y-4">
      {hiddenNotice}
      {server.tools.length > TOOL_FILTER_THRESHOLD && (
        <SearchInput
          wrapperClassName="max-w-sm"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
          placeholder={`Filter ${server.tools.length} tools`}
          aria-label="Filter tools"
        />
      )}
      {tools.length === 0 ? (
        <p className="py-6 text-center text-sm text-muted-foreground">No tool matches "{filter.trim()}".</p>
      ) : (
        <ul className="space-y-3">
          {tools.map((tool) => (
            // Names are unique: the service drops an upstream's repeats.
            <li key={tool.name}>
              <ToolItem tool={tool} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ToolItem({ tool }: { tool: Tool }) {
  return (
    <article className="space-y-3 rounded-lg border p-4" data-testid="tool" data-name={tool.name}>
      <div className="space-y-1">
        <h3 className="break-all font-mono text-sm font-semibold">{tool.name}</h3>
        {tool.title && tool.title !== tool.name && <p className="text-sm font-medium">{tool.title}</p>}
        <Description text={tool.description} />
      </div>
      {tool.parameters.length > 0 ? (
        <div className="overflow-hidden rounded-md border">
          <Table>
            <TableHeader>
              <TableRow className="bg-muted/40 hover:bg-muted/40">
                <TableHead className="first:pl-3">Parameter</TableHead>
                <TableHead>Type</TableHead>
                <TableHead className="last:pr-3">Description</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {tool.parameters.map((parameter) => (
                <TableRow key={parameter.name} className="hover:bg-transparent">
                  <TableCell className="py-2 align-top first:pl-3">
                    <div className="font-mono text-xs font-medium whitespace-nowrap">{parameter.name}</div>
                    {parameter.required && (
                      <div className="mt-0.5 text-[0.6875rem] font-medium text-warning-foreground dark:text-warning">
                        required
                      </div>
                    )}
                  </TableCell>
                  <TableCell className="max-w-56 py-2 align-top font-mono text-xs break-words text-muted-foreground">
                    {parameter.type}
                  </TableCell>
                  <TableCell className="min-w-48 whitespace-pre-line break-words py-2 align-top text-xs text-muted-foreground last:pr-3">
                    {parameter.description || "—"}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      ) : (
        <p className="text-xs text-muted-foreground">Takes no parameters.</p>
      )}
      {tool.schemaJson && (
        <details className="group">
          <summary className="inline-flex cursor-pointer list-none items-center gap-1 rounded text-xs font-medium text-muted-foreground outline-none select-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50 [&::-webkit-details-marker]:hidden">
            <ChevronRight className="size-3.5 transition-transform group-open:rotate-90" aria-hidden="true" />
            Input schema (JSON)
          </summary>
          <pre className="mt-2 max-h-96 overflow-auto rounded-md border bg-muted/40 p-3 font-mono text-xs leading-relaxed">
            {tool.schemaJson}
          </pre>
        </details>
      )}
    </article>
  );
}

export function PromptsPanel({ server }: { server: CatalogServer }) {
  if (!server.isDiscovered) return <NotDiscovered server={server} what="prompts" />;
  if (server.prompts.length === 0) {
    return (
      <EmptyState icon={MessageSquareText} title="No prompts" description="This server offers no prompts." />
    );
  }
  return (
    <ul className="space-y-3">
      {server.prompts.map((prompt) => (
        <li key={prompt.name} className="space-y-2 rounded-lg border p-4" data-testid="prompt">
          <div className="space-y-1">
            <h3 className="break-all font-mono text-sm font-semibold">{prompt.name}</h3>
            {prompt.title && <p className="text-sm font-medium">{prompt.title}</p>}
            <Description text={prompt.description} />
          </div>
          {prompt.arguments.length > 0 ? (
            <dl className="space-y-1.5 border-t pt-2 text-xs">
              {prompt.arguments.map((argument) => (
                <div key={argument.name} className="flex flex-wrap gap-x-2">
                  <dt className="font-mono font-medium">
                    {argument.name}
                    {argument.required && (
                      <span className="font-sans font-normal text-muted-foreground"> (required)</span>
                    )}
                  </dt>
                  <dd className="whitespace-pre-line break-words text-muted-foreground">
                    {argument.description || "—"}
                  </dd>
                </div>
              ))}
            </dl>
          ) : (
            <p className="text-xs text-muted-foreground">Takes no arguments.</p>
          )}
        </li>
      ))}
    </ul>
  );
}

export function ResourcesPanel({ server }: { server: CatalogServer }) {
  if (!server.isDiscovered) return <NotDiscovered server={server} what="resources" />;
  if (server.resources.length === 0) {
    return <EmptyState icon={FileText} title="No resources" description="This server offers no resources." />;
  }
  return (
    <div className="overflow-hidden rounded-lg border">
      <Table>
        <TableHeader>
          <TableRow className="bg-muted/40 hover:bg-muted/40">
            <TableHead>Name</TableHead>
            <TableHead>URI</TableHead>
            <TableHead className="hidden sm:table-cell">Type</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {server.resources.map((resource) => (
            <TableRow key={resource.uri} className="hover:bg-transparent" data-testid="resource">
              <TableCell className="align-top">
                <p className="break-words font-medium">{resource.name}</p>
                {resource.description && (
                  <p className="mt-0.5 whitespace-pre-line break-words text-xs text-muted-foreground">
                    {resource.description}
                  </p>
                )}
              </TableCell>
              <TableCell className="align-top">
                {/* Text, not a link: a resource URI is for the agent, and may use any scheme. */}
                <code className="break-all font-mono text-xs">{resource.uri}</code>
              </TableCell>
              <TableCell className="hidden align-top font-mono text-xs text-muted-foreground sm:table-cell">
                {resource.mimeType ?? "—"}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

const TARGET_LABELS: Record<CatalogServer["configuration"][number]["target"], string> = {
  env: "Environment variable",
  header: "HTTP header",
  "url-variable": "URL variable",
  argument: "Command argument",
};

export function ConfigurationPanel({ server }: { server: CatalogServer }) {
  if (server.isDraft) {
    return (
      <EmptyState
        icon={SlidersHorizontal}
        title="No approved version yet"
        description="The settings a connection needs are listed once this personal server has a version."
      />
    );
  }
  if (server.configuration.length === 0) {
    return (
      <EmptyState
        icon={SlidersHorizontal}
        title="Nothing to configure"
        description="Connecting this server needs no settings from you."
        data-testid="no-configuration"
      />
    );
  }
  return (
    <div className="space-y-3">
      <p className="text-sm text-muted-foreground">
        When you connect, you'll be asked for these settings. Secret values are stored encrypted and are never
        shown again, not even to you.
      </p>
      <ul className="divide-y rounded-lg border">
        {server.configuration.map((field) => (
          <li key={field.name} className="space-y-1.5 p-4" data-testid="config-field">
            <div className="flex flex-wrap items-center gap-2">
              <span className="text-sm font-medium">{field.label}</span>
              <code className="break-all font-mono text-xs text-muted-foreground">{field.name}</code>
              <span className="ml-auto flex flex-wrap gap-1.5">
                {field.secret && (
                  <Badge variant="warning">
                    <Lock aria-hidden="true" />
                    Secret
                  </Badge>
                )}
                <Badge variant={field.required ? "secondary" : "outline"} className="font-normal">
                  {field.required ? "Required" : "Optional"}
                </Badge>
              </span>
            </div>
            <Description text={field.description} />
            <p className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-muted-foreground">
              <span className="inline-flex items-center gap-1">
                <KeyRound className="size-3" aria-hidden="true" />
                {TARGET_LABELS[field.target]}
              </span>
              {field.default !== null && (
                <span>
                  Default: <code className="font-mono">{field.default}</code>
                </span>
              )}
              {field.choices && (
                <span className="break-words">
                  One of: <code className="font-mono">{field.choices.join(", ")}</code>
                </span>
              )}
            </p>
          </li>
        ))}
      </ul>
    </div>
  );
}
