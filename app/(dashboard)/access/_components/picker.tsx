"use client";

import type { ReactNode } from "react";
import { cn } from "@/components/lib/utils";
import { Card } from "@/components/ui/card";
import { ErrorState } from "@/components/ui/error-state";
import { SearchInput } from "@/components/ui/search-input";
import { Skeleton } from "@/components/ui/skeleton";

/** A searchable list to pick one item from (a server, a person); the chosen one stays highlighted. */
export function Picker<T extends { id: string }>({
  label,
  placeholder,
  search,
  onSearch,
  items,
  isPending,
  error,
  onRetry,
  selectedId,
  onSelect,
  renderItem,
  emptyText,
  testId,
}: {
  label: string;
  placeholder: string;
  search: string;
  onSearch: (value: string) => void;
  items: T[] | undefined;
  isPending: boolean;
  error: { message: string } | null;
  onRetry: () => void;
  selectedId: string | null;
  onSelect: (item: T) => void;
  renderItem: (item: T) => ReactNode;
  emptyText: string;
  testId: string;
}) {
  let body: ReactNode;
  if (isPending) {
    body = (
      <div className="space-y-3 p-3">
        {["a", "b", "c", "d"].map((key) => (
          <div key={key} className="space-y-1.5">
            <Skeleton className="h-4 w-40" />
            <Skeleton className="h-3 w-28" />
          </div>
        ))}
      </div>
    );
  } else if (error && !items) {
    body = (
      <div className="p-3">
        <ErrorState title="Couldn't load the list" message={error.message} onRetry={onRetry} />
      </div>
    );
  } else if (!items || items.length === 0) {
    body = <p className="px-3 py-8 text-center text-sm text-muted-foreground">{emptyText}</p>;
  } else {
    body = (
      <ul className="max-h-[28rem] overflow-y-auto p-1.5" aria-label={label}>
        {items.map((item) => {
          const isSelected = item.id === selectedId;
          return (
            <li key={item.id}>
              <button
                type="button"
                onClick={() => onSelect(item)}
                aria-pressed={isSelected}
                data-testid={`${testId}-option`}
                className={cn(
                  "w-full rounded-md px-2.5 py-2 text-left outline-none transition-colors hover:bg-muted/60 focus-visible:ring-[3px] focus-visible:ring-ring/50",
                  isSelected && "bg-primary/10 hover:bg-primary/15",
                )}
              >
                {renderItem(item)}
              </button>
            </li>
          );
        })}
      </ul>
    );
  }

  return (
    <Card className="overflow-hidden" data-testid={testId}>
      <div className="border-b p-3">
        <SearchInput
          value={search}
          onChange={(event) => onSearch(event.target.value)}
          placeholder={placeholder}
          aria-label={label}
        />
      </div>
      {body}
    </Card>
  );
}
