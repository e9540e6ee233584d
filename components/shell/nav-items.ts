import {
  BookMarked,
  Cable,
  KeyRound,
  LayoutDashboard,
  LibraryBig,
  type LucideIcon,
  ScrollText,
  Settings,
  UserRound,
  UsersRound,
} from "lucide-react";

export type NavItem = { label: string; href: string; icon: LucideIcon };
export type NavGroup = { label?: string; items: NavItem[] };

/** The dashboard's areas (DESIGN.md), in the order people reach for them. */
export const NAV_GROUPS: NavGroup[] = [
  {
    items: [
      { label: "Overview", href: "/", icon: LayoutDashboard },
      { label: "Catalog", href: "/catalog", icon: LibraryBig },
      { label: "Connections", href: "/connections", icon: Cable },
      { label: "Tokens", href: "/tokens", icon: KeyRound },
    ],
  },
  {
    label: "Manage",
    items: [
      { label: "Registries", href: "/registries", icon: BookMarked },
      { label: "Teams", href: "/teams", icon: UsersRound },
      { label: "Users", href: "/users", icon: UserRound },
    ],
  },
  {
    label: "System",
    items: [
      { label: "Audit", href: "/audit", icon: ScrollText },
      { label: "Settings", href: "/settings", icon: Settings },
    ],
  },
];

export function isActiveHref(pathname: string, href: string): boolean {
  if (href === "/") return pathname === "/";
  return pathname === href || pathname.startsWith(`${href}/`);
}

/** The nav entry (and its group) a path belongs to, for the active link and the breadcrumb. */
export function findNavItem(pathname: string): { group?: string; item: NavItem } | null {
  for (const group of NAV_GROUPS) {
    for (const item of group.items) {
      if (isActiveHref(pathname, item.href)) return { group: group.label, item };
    }
  }
  return null;
}
