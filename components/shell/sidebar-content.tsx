import Link from "next/link";
import type { Permission } from "@/server/policy/permissions";
import { Logo } from "./logo";
import { SidebarNav } from "./sidebar-nav";

/** What the sidebar holds; shared by the fixed desktop sidebar and the mobile sheet. */
export function SidebarContent({
  version,
  permissions,
  onNavigate,
}: {
  version?: string;
  permissions: readonly Permission[];
  onNavigate?: () => void;
}) {
  return (
    <div className="flex h-full flex-col">
      <div className="flex h-14 shrink-0 items-center px-4">
        <Link
          href="/"
          onClick={onNavigate}
          className="rounded-md outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
          aria-label="Gatehouse overview"
        >
          <Logo />
        </Link>
      </div>
      <div className="flex-1 overflow-y-auto px-3 py-3">
        <SidebarNav permissions={permissions} onNavigate={onNavigate} />
      </div>
      <div className="shrink-0 border-t border-sidebar-border px-4 py-3 text-xs text-muted-foreground">
        <p>Self-hosted MCP gateway</p>
        {version && <p className="font-mono text-[0.6875rem] text-muted-foreground/80">v{version}</p>}
      </div>
    </div>
  );
}

export function AppSidebar({
  version,
  permissions,
}: {
  version?: string;
  permissions: readonly Permission[];
}) {
  return (
    <aside className="sticky top-0 hidden h-dvh w-60 shrink-0 border-r border-sidebar-border bg-sidebar lg:block">
      <SidebarContent version={version} permissions={permissions} />
    </aside>
  );
}
