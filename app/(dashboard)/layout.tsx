import type { ReactNode } from "react";
import { AppSidebar } from "@/components/shell/sidebar-content";
import { TopBar } from "@/components/shell/top-bar";
import packageJson from "@/package.json";
import { requireSession } from "@/server/auth/current";
import { permissionsOf, ROLE_LABELS } from "@/server/policy/permissions";
import { signOutAction } from "../signin/actions";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const version = packageJson.version;
  // Every page in here is behind sign-in; the session is checked against the database.
  const { user } = await requireSession();
  const menuUser = {
    name: user.name,
    email: user.email,
    roleLabel: ROLE_LABELS[user.role],
    isAuditor: user.isAuditor,
  };
  // Only decides which links the navigation shows; every page and procedure checks again.
  const permissions = permissionsOf(user);
  return (
    <div className="flex min-h-dvh">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-primary text-sm font-medium text-primary-foreground focus:not-sr-only focus:fixed focus:top-3 focus:left-3 focus:px-3 focus:py-2 focus:shadow-lg"
      >
        Skip to content
      </a>
      <AppSidebar version={version} permissions={permissions} />
      <div className="flex min-w-0 flex-1 flex-col">
        <TopBar version={version} permissions={permissions} user={menuUser} signOut={signOutAction} />
        <main
          id="main"
          tabIndex={-1}
          className="mx-auto w-full max-w-7xl flex-1 px-4 py-6 outline-none sm:px-6 lg:px-8 lg:py-8"
        >
          {children}
        </main>
      </div>
    </div>
  );
}
