import type { ReactNode } from "react";
import { AppSidebar } from "@/components/shell/sidebar-content";
import { TopBar } from "@/components/shell/top-bar";
import packageJson from "@/package.json";

export default function DashboardLayout({ children }: { children: ReactNode }) {
  const version = packageJson.version;
  return (
    <div className="flex min-h-dvh">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-primary text-sm font-medium text-primary-foreground focus:not-sr-only focus:fixed focus:top-3 focus:left-3 focus:px-3 focus:py-2 focus:shadow-lg"
      >
        Skip to content
      </a>
      <AppSidebar version={version} />
      <div className="flex min-w-0 flex-1 flex-col">
        <TopBar version={version} />
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
