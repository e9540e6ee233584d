"use client";

import { CircleUserRound, LogOut } from "lucide-react";
import Link from "next/link";
import { useTransition } from "react";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";

export type MenuUser = { name: string | null; email: string; roleLabel: string; isAuditor: boolean };

function initials(user: MenuUser): string {
  const source = user.name?.trim() || user.email;
  const parts = source.split(/[\s@._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "") + (parts[1]?.[0] ?? "")).toUpperCase() || "?";
}

/** Who is signed in, with their role, and the way out. */
export function UserMenu({ user, signOut }: { user: MenuUser; signOut: () => Promise<void> }) {
  const [isPending, startTransition] = useTransition();
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="sm" className="gap-2 rounded-full pr-3 pl-1" aria-label="Account menu">
          <span className="flex size-6 items-center justify-center rounded-full bg-primary text-[0.65rem] font-semibold text-primary-foreground">
            {initials(user)}
          </span>
          <span className="hidden max-w-40 truncate text-sm sm:inline">{user.name ?? user.email}</span>
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-64">
        <DropdownMenuLabel className="space-y-0.5 font-normal">
          <p className="truncate text-sm font-medium text-foreground">{user.name ?? user.email}</p>
          <p className="truncate text-xs text-muted-foreground">{user.email}</p>
          <p className="text-xs text-muted-foreground" data-testid="current-role">
            {user.roleLabel}
            {user.isAuditor ? " · Auditor" : ""}
          </p>
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem asChild>
          <Link href="/profile">
            <CircleUserRound aria-hidden="true" />
            Profile
          </Link>
        </DropdownMenuItem>
        {/* Called directly: a form inside the menu would be unmounted (and its submit cancelled) when the menu closes. */}
        <DropdownMenuItem disabled={isPending} onSelect={() => startTransition(() => signOut())}>
          <LogOut aria-hidden="true" />
          {isPending ? "Signing out…" : "Sign out"}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
