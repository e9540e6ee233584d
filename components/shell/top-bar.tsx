import { ShieldAlert } from "lucide-react";
import Link from "next/link";
import { Separator } from "@/components/ui/separator";
import { Breadcrumb } from "./breadcrumb";
import { MobileNav } from "./mobile-nav";
import { ThemeToggle } from "./theme-toggle";

export function TopBar({ version }: { version?: string }) {
  return (
    <header className="sticky top-0 z-30 flex h-14 shrink-0 items-center gap-3 border-b bg-background/85 px-4 backdrop-blur supports-backdrop-filter:bg-background/70 sm:px-6 lg:px-8">
      <MobileNav version={version} />
      <Breadcrumb />
      <div className="ml-auto flex items-center gap-2">
        <ThemeToggle />
        <Separator orientation="vertical" className="h-5" />
        {/* The user menu goes here once sign-in exists; until then say so instead of faking a user. */}
        <div data-slot="user-menu" className="flex items-center">
          <Link
            href="/settings"
            title="Sign-in is not available yet. See the security posture in Settings."
            className="inline-flex h-8 items-center gap-1.5 rounded-full border border-dashed px-3 text-xs font-medium text-muted-foreground transition-colors outline-none hover:bg-accent hover:text-accent-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50"
          >
            <ShieldAlert className="size-3.5" aria-hidden="true" />
            No sign-in yet
          </Link>
        </div>
      </div>
    </header>
  );
}
