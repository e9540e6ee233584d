"use client";

import { ChevronDown, Info, LibraryBig } from "lucide-react";
import Link from "next/link";
import { useId, useState } from "react";
import { pluralize } from "@/components/lib/format";
import type { RouterOutputs } from "@/components/lib/router-types";
import { cn } from "@/components/lib/utils";
import { Button } from "@/components/ui/button";
import { ErrorState } from "@/components/ui/error-state";
import { Input } from "@/components/ui/input";
import { SearchInput } from "@/components/ui/search-input";
import { ServerIcon } from "@/components/ui/server-icon";
import { Skeleton } from "@/components/ui/skeleton";

type ScopeOptions = RouterOutputs["tokens"]["scopeOptions"];
type ServerOption = ScopeOptions["servers"][number];
type Tool = { name: string; title: string | null; description: string };

/** One chosen connection or server, and whether the token is limited to some of its tools. */
export type ScopeChoice = { restrict: boolean; tools: string[]; typed: string };
/** Keyed `connection:<id>` or `server:<id>`. */
export type ScopeSelection = Record<string, ScopeChoice>;

const FILTER_THRESHOLD = 5;
const TOOL_FILTER_THRESHOLD = 12;

export function parseToolNames(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/** The names a choice limits the token to, or null when it allows every tool. */
export function chosenTools(choice: ScopeChoice, known: Tool[] | null): string[] | null {
  if (!choice.restrict) return null;
  return known === null ? parseToolNames(choice.typed) : choice.tools;
}

export function isChoiceValid(choice: ScopeChoice, known: Tool[] | null): boolean {
  const tools = chosenTools(choice, known);
  return tools === null || tools.length > 0;
}

function ToolRestriction({
  choice,
  known,
  onChange,
  label,
}: {
  choice: ScopeChoice;
  known: Tool[] | null;
  onChange: (choice: ScopeChoice) => void;
  label: string;
}) {
  const id = useId();
  const [filter, setFilter] = useState("");
  const shown = known?.filter((tool) => tool.name.toLowerCase().includes(filter.trim().toLowerCase())) ?? [];
  return (
    <div className="space-y-2 pb-1 pl-9">
      <label className="inline-flex cursor-pointer items-center gap-2 text-xs font-medium">
        <input
          type="checkbox"
          className="size-3.5 accent-primary"
          checked={choice.restrict}
          onChange={(event) => onChange({ ...choice, restrict: event.target.checked })}
          aria-label={`Limit ${label} to some tools`}
        />
        Limit to some tools
      </label>
      {choice.restrict &&
        (known === null ? (
          <div className="space-y-1.5">
            <Input
              aria-label={`Tool names for ${label}`}
              aria-describedby={`${id}-hint`}
              placeholder="search_issues, get_issue"
              className="h-8 font-mono text-xs"
              value={choice.typed}
              onChange={(event) => onChange({ ...choice, typed: event.target.value })}
            />
            <p id={`${id}-hint`} className="flex gap-1.5 text-xs text-muted-foreground">
              <Info className="mt-0.5 size-3 shrink-0" aria-hidden="true" />
              This server's tools have not been discovered yet: type their exact names, separated by commas.
            </p>
          </div>
        ) : known.length === 0 ? (
          <p className="text-xs text-muted-foreground">
            No tools you may call are known for this server yet.
          </p>
        ) : (
          <div className="space-y-1.5">
            {known.length > TOOL_FILTER_THRESHOLD && (
              <Input
                type="search"
                value={filter}
                onChange={(event) => setFilter(event.target.value)}
                placeholder="Filter tools"
                aria-label={`Filter tools of ${label}`}
                className="h-8 text-xs"
              />
            )}
            <ul
              className="max-h-44 divide-y overflow-y-auto rounded-md border bg-background dark:bg-input/10"
              aria-label={`Tools of ${label}`}
            >
              {shown.map((tool) => (
                <li key={tool.name}>
                  <label className="flex cursor-pointer items-start gap-2.5 px-2.5 py-1.5 hover:bg-muted/40">
                    <input
                      type="checkbox"
                      className="mt-0.5 size-3.5 shrink-0 accent-primary"
                      checked={choice.tools.includes(tool.name)}
                      onChange={(event) =>
                        onChange({
                          ...choice,
                          tools: event.target.checked
                            ? [...choice.tools, tool.name]
                            : choice.tools.filter((name) => name !== tool.name),
                        })
                      }
                      aria-label={tool.name}
                    />
                    <span className="min-w-0">
                      <span className="block break-all font-mono text-xs">{tool.name}</span>
                      {tool.description && (
                        <span className="line-clamp-1 block text-xs text-muted-foreground">
                          {tool.description}
                        </span>
                      )}
                    </span>
                  </label>
                </li>
              ))}
              {shown.length === 0 && (
                <li className="px-3 py-3 text-center text-xs text-muted-foreground">No tool matches.</li>
              )}
            </ul>
          </div>
        ))}
      {!isChoiceValid(choice, known) && (
        <p className="text-xs text-destructive" role="status">
          Select at least one tool, or remove the limit.
        </p>
      )}
    </div>
  );
}

function ScopeOptionRow({
  optionKey,
  label,
  description,
  known,
  selection,
  onChange,
  testId,
}: {
  optionKey: string;
  label: string;
  description: string;
  known: Tool[] | null;
  selection: ScopeSelection;
  onChange: (selection: ScopeSelection) => void;
  testId: string;
}) {
  const choice = selection[optionKey];
  const descriptionId = useId();
  function toggle(checked: boolean) {
    const next = { ...selection };
    if (checked) next[optionKey] = { restrict: false, tools: [], typed: "" };
    else delete next[optionKey];
    onChange(next);
  }
  return (
    <li className={cn("rounded-md", choice && "bg-primary/5 dark:bg-primary/10")} data-testid={testId}>
      <label className="flex cursor-pointer items-start gap-3 rounded-md px-2.5 py-2 hover:bg-muted/50">
        <input
          type="checkbox"
          className="mt-0.5 size-4 shrink-0 accent-primary"
          checked={choice !== undefined}
          onChange={(event) => toggle(event.target.checked)}
          aria-describedby={descriptionId}
        />
        <span className="min-w-0 flex-1">
          <span className="block break-words text-sm font-medium">{label}</span>
          <span id={descriptionId} className="block text-xs text-muted-foreground">
            {description}
          </span>
        </span>
      </label>
      {choice && (
        <ToolRestriction
          choice={choice}
          known={known}
          label={label}
          onChange={(next) => onChange({ ...selection, [optionKey]: next })}
        />
      )}
    </li>
  );
}

const STATUS_NOTE: Record<string, string> = {
  CONFIGURED: "Ready",
  NEEDS_CONFIGURATION: "Needs settings before it works",
  UPSTREAM_AUTH_NEEDED: "Needs you to sign in to the server",
};

function ServerGroup({
  server,
  selection,
  onChange,
}: {
  server: ServerOption;
  selection: ScopeSelection;
  onChange: (selection: ScopeSelection) => void;
}) {
  const hasConnections = server.connections.length > 0;
  return (
    <div className="space-y-1 p-2.5" data-testid="scope-server" data-server-slug={server.slug}>
      <div className="flex items-center gap-2.5 px-2.5 pt-0.5 pb-1">
        <ServerIcon name={server.name} iconUrl={server.iconUrl} size="sm" />
        <div className="min-w-0">
          <p className="truncate text-sm font-semibold">{server.name}</p>
          <p className="truncate text-xs text-muted-foreground">
            {hasConnections ? pluralize(server.connections.length, "connection") : "No connection yet"}
          </p>
        </div>
      </div>
      <ul className="space-y-0.5">
        {server.connections.map((connection) => (
          <ScopeOptionRow
            key={connection.connectionId}
            optionKey={`connection:${connection.connectionId}`}
            label={connection.name}
            description={`Connection · ${STATUS_NOTE[connection.status] ?? connection.status}`}
            known={connection.tools}
            selection={selection}
            onChange={onChange}
            testId="scope-connection-option"
          />
        ))}
        <ScopeOptionRow
          optionKey={`server:${server.serverId}`}
          label={hasConnections ? `All of ${server.name}` : server.name}
          description={
            hasConnections
              ? "Every connection of yours to this server, including ones you add later"
              : "Any connection of yours to this server, once you create one"
          }
          known={server.tools}
          selection={selection}
          onChange={onChange}
          testId="scope-server-option"
        />
      </ul>
    </div>
  );
}

/** Connections grouped by server, then servers the user can reach without a connection yet. */
export function ScopePicker({
  options,
  isLoading,
  error,
  onRetry,
  selection,
  onChange,
  describedBy,
}: {
  options: ScopeOptions | undefined;
  isLoading: boolean;
  error: string | null;
  onRetry: () => void;
  selection: ScopeSelection;
  onChange: (selection: ScopeSelection) => void;
  describedBy?: string;
}) {
  const [filter, setFilter] = useState("");
  const [showOthers, setShowOthers] = useState(false);

  if (isLoading) {
    return (
      <div className="space-y-2 rounded-lg border p-3" aria-busy="true">
        <span className="sr-only" role="status">
          Loading your connections…
        </span>
        <Skeleton className="h-5 w-40" />
        <Skeleton className="h-9 w-full" />
        <Skeleton className="h-9 w-full" />
      </div>
    );
  }
  if (error !== null || !options) {
    return (
      <ErrorState title="Couldn't load your connections" message={error ?? undefined} onRetry={onRetry} />
    );
  }
  if (options.servers.length === 0) {
    return (
      <div className="flex flex-col items-start gap-3 rounded-lg border border-dashed p-4 text-sm sm:flex-row sm:items-center">
        <p className="flex-1 text-muted-foreground">
          No server is shared with you yet, so a token could reach nothing. Ask an administrator for access,
          or connect a server from the catalog first.
        </p>
        <Button variant="outline" size="sm" asChild>
          <Link href="/catalog">
            <LibraryBig aria-hidden="true" />
            Browse the catalog
          </Link>
        </Button>
      </div>
    );
  }

  const needle = filter.trim().toLowerCase();
  const matches = (server: ServerOption) =>
    needle === "" ||
    server.name.toLowerCase().includes(needle) ||
    server.slug.includes(needle) ||
    server.connections.some((connection) => connection.name.toLowerCase().includes(needle));
  const connected = options.servers.filter((server) => server.connections.length > 0 && matches(server));
  const others = options.servers.filter((server) => server.connections.length === 0 && matches(server));
  const otherSelected = others.some((server) => selection[`server:${server.serverId}`] !== undefined);
  const isOthersOpen =
    showOthers || otherSelected || (needle !== "" && others.length > 0) || connected.length === 0;

  return (
    <div className="space-y-2" aria-describedby={describedBy}>
      {options.servers.length > FILTER_THRESHOLD && (
        <SearchInput
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
          placeholder="Filter servers and connections"
          aria-label="Filter servers and connections"
        />
      )}
      <div className="max-h-[22rem] divide-y overflow-y-auto rounded-lg border" data-testid="scope-picker">
        {connected.map((server) => (
          <ServerGroup key={server.serverId} server={server} selection={selection} onChange={onChange} />
        ))}
        {others.length > 0 && (
          <div className="p-2.5">
            {connected.length > 0 && (
              <button
                type="button"
                className="flex w-full items-center gap-2 rounded-md px-2.5 py-1.5 text-left text-xs font-medium text-muted-foreground outline-none hover:bg-muted/50 hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50"
                onClick={() => setShowOthers((value) => !value)}
                aria-expanded={isOthersOpen}
              >
                <ChevronDown
                  className={cn("size-4 transition-transform", isOthersOpen && "rotate-180")}
                  aria-hidden="true"
                />
                {pluralize(others.length, "other server")} you can reach without a connection yet
              </button>
            )}
            {isOthersOpen && (
              <div className="divide-y">
                {others.map((server) => (
                  <ServerGroup
                    key={server.serverId}
                    server={server}
                    selection={selection}
                    onChange={onChange}
                  />
                ))}
              </div>
            )}
          </div>
        )}
        {connected.length === 0 && others.length === 0 && (
          <p className="px-3 py-6 text-center text-sm text-muted-foreground">
            Nothing matches “{filter.trim()}”.
          </p>
        )}
      </div>
    </div>
  );
}
