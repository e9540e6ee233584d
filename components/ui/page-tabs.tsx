import type { LucideIcon } from "lucide-react";
import { cn } from "@/components/lib/utils";

export type PageTab<T extends string> = { id: T; label: string; icon: LucideIcon };

/**
 * A segmented row of tabs that switches a page between views. Tab `id` is `${idPrefix}-tab-${id}`
 * and controls `${idPrefix}-panel-${id}`: the page renders that panel with role="tabpanel".
 */
export function PageTabs<T extends string>({
  idPrefix,
  label,
  tabs,
  selected,
  onSelect,
  className,
}: {
  idPrefix: string;
  /** what the tabs choose between, for screen readers */
  label: string;
  tabs: readonly PageTab<T>[];
  selected: T;
  onSelect: (id: T) => void;
  className?: string;
}) {
  return (
    <div
      role="tablist"
      aria-label={label}
      className={cn("inline-flex w-full gap-1 rounded-lg border bg-muted/40 p-1 sm:w-auto", className)}
    >
      {tabs.map(({ id, label: tabLabel, icon: Icon }) => (
        <button
          key={id}
          type="button"
          role="tab"
          id={`${idPrefix}-tab-${id}`}
          aria-selected={selected === id}
          aria-controls={`${idPrefix}-panel-${id}`}
          onClick={() => onSelect(id)}
          className={cn(
            "inline-flex flex-1 items-center justify-center gap-2 rounded-md px-3 py-1.5 text-sm font-medium text-muted-foreground outline-none transition-colors hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50 sm:flex-none",
            selected === id && "bg-background text-foreground shadow-xs dark:bg-input/40",
          )}
        >
          <Icon className="size-4" aria-hidden="true" />
          {tabLabel}
        </button>
      ))}
    </div>
  );
}
