import {
  BookMarked,
  Cable,
  CircleUserRound,
  ClipboardCheck,
  KeyRound,
  LayoutDashboard,
  LibraryBig,
  type LucideIcon,
  ScrollText,
  ServerCog,
  Settings,
  ShieldCheck,
  UserRound,
  UsersRound,
} from "lucide-react";
import type { Permission } from "@/server/policy/permissions";

/**
 * `permission`: shown only to people who hold it, or any one of a list (the page itself checks it
 * again, and so does the API).
 */
export type NavItem = {
  label: string;
  href: string;
  icon: LucideIcon;
  permission?: Permission | readonly Permission[];
};
export type NavGroup = { label?: string; items: NavItem[] };

/** Any one of these opens the audit area: each reads part of the trail (own servers, all, bodies). */
export const AUDIT_PERMISSIONS = [
  "audit.read_own_servers",
  "audit.read_metadata",
  "audit.read_bodies",
] as const satisfies readonly Permission[];

/** The dashboard's areas (DESIGN.md), in the order people reach for them. */
export const NAV_GROUPS: NavGroup[] = [
  {
    items: [
      { label: "Overview", href: "/", icon: LayoutDashboard },
      { label: "Catalog", href: "/catalog", icon: LibraryBig },
      { label: "My servers", href: "/servers", icon: ServerCog, permission: "server.publish_personal" },
      { label: "Connections", href: "/connections", icon: Cable },
      { label: "Tokens", href: "/tokens", icon: KeyRound },
    ],
  },
  {
    label: "Manage",
    items: [
      { label: "Reviews", href: "/reviews", icon: ClipboardCheck, permission: "server.manage_all" },
      { label: "Registries", href: "/registries", icon: BookMarked, permission: "registry.manage_own" },
      { label: "Access", href: "/access", icon: ShieldCheck, permission: "access.explore" },
      { label: "Teams", href: "/teams", icon: UsersRound, permission: "team.read" },
      { label: "Users", href: "/users", icon: UserRound, permission: "user.read" },
    ],
  },
  {
    label: "System",
    items: [
      { label: "Audit", href: "/audit", icon: ScrollText, permission: AUDIT_PERMISSIONS },
      { label: "Settings", href: "/settings", icon: Settings, permission: "system.read" },
    ],
  },
];

/** Pages reached from elsewhere (the account menu) that still get a breadcrumb. */
const OTHER_PAGES: NavItem[] = [{ label: "Profile", href: "/profile", icon: CircleUserRound }];

/** The groups and items this person may open; groups left empty disappear. */
export function visibleNavGroups(permissions: readonly Permission[]): NavGroup[] {
  const held = new Set(permissions);
  const mayOpen = ({ permission }: NavItem) =>
    permission === undefined ||
    (typeof permission === "string" ? held.has(permission) : permission.some((one) => held.has(one)));
  return NAV_GROUPS.map((group) => ({
    ...group,
    items: group.items.filter(mayOpen),
  })).filter((group) => group.items.length > 0);
}

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
  const other = OTHER_PAGES.find((item) => isActiveHref(pathname, item.href));
  return other ? { item: other } : null;
}
