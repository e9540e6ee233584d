"use client";

import { ChevronRight } from "lucide-react";
import { usePathname } from "next/navigation";
import { findNavItem } from "./nav-items";

/** Where you are: the nav group and area of the current page. */
export function Breadcrumb() {
  const pathname = usePathname() ?? "/";
  const match = findNavItem(pathname);
  if (!match) return null;
  return (
    <nav aria-label="Breadcrumb" className="min-w-0">
      <ol className="flex items-center gap-1.5 text-sm">
        {match.group && (
          <li className="hidden items-center gap-1.5 text-muted-foreground sm:flex">
            {match.group}
            <ChevronRight className="size-3.5 text-muted-foreground/60" aria-hidden="true" />
          </li>
        )}
        <li className="truncate font-medium" aria-current="page">
          {match.item.label}
        </li>
      </ol>
    </nav>
  );
}
