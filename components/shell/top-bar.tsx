import { Separator } from "@/components/ui/separator";
import type { Permission } from "@/server/policy/permissions";
import { Breadcrumb } from "./breadcrumb";
import { MobileNav } from "./mobile-nav";
import { NotificationsBell } from "./notifications-bell";
import { ThemeToggle } from "./theme-toggle";
import { type MenuUser, UserMenu } from "./user-menu";

export function TopBar({
  version,
  permissions,
  user,
  signOut,
}: {
  version?: string;
  permissions: readonly Permission[];
  user: MenuUser;
  signOut: () => Promise<void>;
}) {
  return (
    <header className="sticky top-0 z-30 flex h-14 shrink-0 items-center gap-3 border-b bg-background/85 px-4 backdrop-blur supports-backdrop-filter:bg-background/70 sm:px-6 lg:px-8">
      <MobileNav version={version} permissions={permissions} />
      <Breadcrumb />
      <div className="ml-auto flex items-center gap-2">
        <NotificationsBell />
        <ThemeToggle />
        <Separator orientation="vertical" className="h-5" />
        <UserMenu user={user} signOut={signOut} />
      </div>
    </header>
  );
}
