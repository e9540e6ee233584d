"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/lib/utils";
import type { Permission } from "@/server/policy/permissions";
import { isActiveHref, visibleNavGroups } from "./nav-items";

/** The list of areas this person may open, with the current one marked (aria-current) and highlighted. */
export function SidebarNav({
  permissions,
  onNavigate,
}: {
  permissions: readonly Permission[];
  onNavigate?: () => void;
}) {
  const pathname = usePathname() ?? "/";
  const groups = visibleNavGroups(permissions);
  return (
    <nav aria-label="Main" className="flex flex-col gap-5">
      {groups.map((group, index) => (
        <div key={group.label ?? index} className="flex flex-col gap-0.5">
          {group.label && (
            <p className="px-2.5 pb-1 text-[0.6875rem] font-medium uppercase tracking-wider text-muted-foreground/80">
              {group.label}
            </p>
          )}
          <ul className="flex flex-col gap-0.5">
            {group.items.map((item) => {
              const isActive = isActiveHref(pathname, item.href);
              const Icon = item.icon;
              return (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    onClick={onNavigate}
                    aria-current={isActive ? "page" : undefined}
                    className={cn(
                      "group flex h-8 items-center gap-2.5 rounded-md px-2.5 text-sm font-medium text-sidebar-foreground transition-colors outline-none hover:bg-sidebar-accent/70 hover:text-sidebar-accent-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50",
                      isActive && "bg-sidebar-accent text-sidebar-accent-foreground",
                    )}
                  >
                    <Icon
                      aria-hidden="true"
                      className={cn(
                        "size-4 shrink-0 text-muted-foreground transition-colors group-hover:text-sidebar-accent-foreground",
                        isActive && "text-primary group-hover:text-primary",
                      )}
                    />
                    {item.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </nav>
  );
}
