"use client";

import { Info } from "lucide-react";
import { useId, useState } from "react";
import { cn } from "@/components/lib/utils";
import { Input } from "@/components/ui/input";
import { SearchInput } from "@/components/ui/search-input";

export type KnownTool = { name: string; description: string | null };
export type ToolSelection = { mode: "all" | "only"; tools: string[] };

/** Above this many tools the list gets a filter box. */
const FILTER_THRESHOLD = 8;

/** What the registry procedures take: an empty list means every tool. */
export function toAllowedTools(selection: ToolSelection): string[] {
  return selection.mode === "all" ? [] : selection.tools;
}

export function fromAllowedTools(allowedTools: readonly string[]): ToolSelection {
  return allowedTools.length === 0 ? { mode: "all", tools: [] } : { mode: "only", tools: [...allowedTools] };
}

/** "Only selected tools" with nothing selected would mean "every tool" to the API: never send it. */
export function isSelectionValid(selection: ToolSelection): boolean {
  return selection.mode === "all" || selection.tools.length > 0;
}

function parseToolNames(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * Picks which tools of a server a registry grants: all of them (the default, including tools the
 * server adds later) or an allow-list. Known tools (discovered from the upstream) are checkboxes;
 * before discovery, names are typed. `selectable` limits the choice when the person may only
 * narrow an existing grant.
 */
export function ToolAllowList({
  knownTools,
  value,
  onChange,
  canSelectAll = true,
  selectable = null,
}: {
  knownTools: KnownTool[] | null;
  value: ToolSelection;
  onChange: (selection: ToolSelection) => void;
  canSelectAll?: boolean;
  /** the only tools that may be checked; null = any */
  selectable?: readonly string[] | null;
}) {
  const id = useId();
  const [filter, setFilter] = useState("");
  const [typed, setTyped] = useState(() => value.tools.join(", "));
  const chosen = new Set(value.tools);
  const isKnown = knownTools !== null && knownTools.length > 0;
  const needle = filter.trim().toLowerCase();
  const shown = (knownTools ?? []).filter(
    (tool) =>
      !needle ||
      tool.name.toLowerCase().includes(needle) ||
      (tool.description ?? "").toLowerCase().includes(needle),
  );
  const mayPick = (name: string) => selectable === null || selectable.includes(name);

  function toggle(name: string, isChecked: boolean) {
    const next = new Set(chosen);
    if (isChecked) next.add(name);
    else next.delete(name);
    onChange({ mode: "only", tools: [...next].sort() });
  }

  const option = (mode: "all" | "only", title: string, description: string, disabled: boolean) => (
    <label
      className={cn(
        "flex cursor-pointer items-start gap-3 rounded-lg border p-3 transition-colors has-[:checked]:border-primary/50 has-[:checked]:bg-primary/5 has-[:focus-visible]:ring-[3px] has-[:focus-visible]:ring-ring/50",
        disabled && "cursor-not-allowed opacity-60",
      )}
    >
      <input
        type="radio"
        name={`${id}-mode`}
        value={mode}
        className="mt-0.5 size-4 accent-primary"
        checked={value.mode === mode}
        disabled={disabled}
        onChange={() =>
          onChange(
            mode === "all"
              ? { mode: "all", tools: [] }
              : { mode: "only", tools: value.tools.length > 0 ? value.tools : parseToolNames(typed) },
          )
        }
      />
      <span className="space-y-0.5">
        <span className="block text-sm font-medium">{title}</span>
        <span className="block text-xs text-muted-foreground">{description}</span>
      </span>
    </label>
  );

  return (
    <fieldset className="space-y-3" data-testid="tool-allow-list">
      <legend className="mb-2 text-sm font-medium">Tools</legend>
      <div className="grid gap-2 sm:grid-cols-2">
        {option(
          "all",
          "All tools",
          isKnown
            ? `All ${knownTools.length} tools, and any the server adds later.`
            : "Every tool the server offers, now and later.",
          !canSelectAll,
        )}
        {option("only", "Only selected tools", "An allow-list: other tools are hidden and refused.", false)}
      </div>

      {value.mode === "only" &&
        (isKnown ? (
          <div className="space-y-2">
            <div className="flex flex-wrap items-center justify-between gap-2">
              <p className="text-xs text-muted-foreground" aria-live="polite">
                {chosen.size} of {knownTools.length} selected
              </p>
              <div className="flex gap-3 text-xs">
                <button
                  type="button"
                  className="text-primary hover:underline disabled:opacity-50"
                  onClick={() =>
                    onChange({
                      mode: "only",
                      tools: knownTools.map((tool) => tool.name).filter(mayPick),
                    })
                  }
                >
                  Select all
                </button>
                <button
                  type="button"
                  className="text-primary hover:underline"
                  onClick={() => onChange({ mode: "only", tools: [] })}
                >
                  Clear
                </button>
              </div>
            </div>
            {knownTools.length > FILTER_THRESHOLD && (
              <SearchInput
                value={filter}
                onChange={(event) => setFilter(event.target.value)}
                placeholder="Filter tools"
                aria-label="Filter tools"
                className="h-8"
              />
            )}
            <ul className="max-h-64 divide-y overflow-y-auto rounded-lg border" aria-label="Tools">
              {shown.map((tool) => {
                const isDisabled = !mayPick(tool.name);
                return (
                  <li key={tool.name}>
                    <label
                      className={cn(
                        "flex cursor-pointer items-start gap-3 px-3 py-2 hover:bg-muted/40",
                        isDisabled && "cursor-not-allowed opacity-50",
                      )}
                      title={isDisabled ? "Not granted now; only an administrator can add it." : undefined}
                    >
                      <input
                        type="checkbox"
                        className="mt-0.5 size-4 shrink-0 accent-primary"
                        checked={chosen.has(tool.name)}
                        disabled={isDisabled}
                        onChange={(event) => toggle(tool.name, event.target.checked)}
                        aria-label={tool.name}
                      />
                      <span className="min-w-0">
                        <span className="block break-all font-mono text-xs font-medium">{tool.name}</span>
                        {tool.description && (
                          <span className="line-clamp-2 block text-xs text-muted-foreground">
                            {tool.description}
                          </span>
                        )}
                      </span>
                    </label>
                  </li>
                );
              })}
              {shown.length === 0 && (
                <li className="px-3 py-4 text-center text-xs text-muted-foreground">No tool matches.</li>
              )}
            </ul>
          </div>
        ) : (
          <div className="space-y-2">
            <div className="flex gap-2 rounded-lg border border-primary/20 bg-primary/5 p-3 text-xs text-muted-foreground">
              <Info className="mt-0.5 size-3.5 shrink-0 text-primary" aria-hidden="true" />
              <p>
                Gatehouse has not discovered this server's tools yet, so the names cannot be checked. Type
                them exactly as the server names them.
              </p>
            </div>
            <Input
              aria-label="Tool names"
              placeholder="search_issues, get_issue"
              className="font-mono"
              value={typed}
              onChange={(event) => {
                setTyped(event.target.value);
                onChange({ mode: "only", tools: parseToolNames(event.target.value) });
              }}
            />
            <p className="text-xs text-muted-foreground">Separate names with commas or spaces.</p>
          </div>
        ))}
      {!isSelectionValid(value) && (
        <p className="text-xs text-destructive" role="status">
          Select at least one tool, or allow all tools.
        </p>
      )}
    </fieldset>
  );
}
