"use client";

import { Menu } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Sheet, SheetContent, SheetDescription, SheetTitle, SheetTrigger } from "@/components/ui/sheet";
import type { Permission } from "@/server/policy/permissions";
import { SidebarContent } from "./sidebar-content";

/** Below the lg breakpoint the sidebar lives in a sheet opened from the top bar. */
export function MobileNav({
  version,
  permissions,
}: {
  version?: string;
  permissions: readonly Permission[];
}) {
  const [isOpen, setIsOpen] = useState(false);
  return (
    <Sheet open={isOpen} onOpenChange={setIsOpen}>
      <SheetTrigger asChild>
        <Button variant="ghost" size="icon-sm" className="-ml-1 lg:hidden" aria-label="Open navigation">
          <Menu aria-hidden="true" />
        </Button>
      </SheetTrigger>
      <SheetContent closeLabel="Close navigation">
        <SheetTitle>Navigation</SheetTitle>
        <SheetDescription>Go to another area of Gatehouse.</SheetDescription>
        <SidebarContent version={version} permissions={permissions} onNavigate={() => setIsOpen(false)} />
      </SheetContent>
    </Sheet>
  );
}
