import { AppError } from "../errors";

/**
 * Who may do what, in one table. Permissions are `resource.action` strings; each platform role has
 * a fixed set, and the Auditor add-on adds reading audit bodies on top of any role. Everything
 * that asks "may this user do this?" (tRPC procedures, route handlers, the UI) calls `can()`.
 * Pure: no I/O, so the whole matrix is unit-tested.
 */
export const PLATFORM_ROLES = ["OWNER", "ADMIN", "POWER_USER_PLUS", "POWER_USER", "BASIC_USER"] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

export const ROLE_LABELS: Record<PlatformRole, string> = {
  OWNER: "Owner",
  ADMIN: "Admin",
  POWER_USER_PLUS: "Power user+",
  POWER_USER: "Power user",
  BASIC_USER: "Basic user",
};

export const PERMISSIONS = {
  "catalog.read": "browse the servers their registries grant them",
  "connection.manage_own": "connect servers and manage their own connections",
  "token.manage_own": "issue and revoke their own API tokens",
  "profile.manage_own": "see and end their own sessions",
  "server.publish_personal": "publish personal servers, usable only by themselves",
  "audit.read_own_servers": "read audit metadata of servers they published",
  "server.submit_shared": "submit servers for shared use (approval required)",
  "registry.manage_own": "create registries and manage the ones they own",
  "server.manage_all": "edit, approve, reject and retire any catalog entry",
  "registry.manage_all": "manage every registry",
  "access.explore": "see who can reach what (access explorer)",
  "user.read": "list users and their roles",
  "user.invite": "invite people",
  "user.set_role": "change roles up to Admin",
  "user.deactivate": "deactivate and reactivate users",
  "user.assign_privileged": "assign or remove Owner and Auditor",
  "team.read": "list teams and their members",
  "team.manage": "create teams, rename them and manage members",
  "token.revoke_any": "revoke anyone's API tokens",
  "settings.manage": "change instance settings (sign-up policy, allowed hosts)",
  "system.read": "see system status and the security posture",
  "system.operate": "run operational jobs such as health checks",
  "audit.read_metadata": "read audit metadata of everything",
  "audit.read_bodies": "read request and response bodies in the audit log",
} as const;

export type Permission = keyof typeof PERMISSIONS;

const BASIC: Permission[] = [
  "catalog.read",
  "connection.manage_own",
  "token.manage_own",
  "profile.manage_own",
];
const POWER: Permission[] = [...BASIC, "server.publish_personal", "audit.read_own_servers"];
const POWER_PLUS: Permission[] = [...POWER, "server.submit_shared", "registry.manage_own"];
const ADMIN: Permission[] = [
  ...POWER_PLUS,
  "server.manage_all",
  "registry.manage_all",
  "access.explore",
  "user.read",
  "user.invite",
  "user.set_role",
  "user.deactivate",
  "team.read",
  "team.manage",
  "token.revoke_any",
  "settings.manage",
  "system.read",
  "system.operate",
  "audit.read_metadata",
];
const OWNER: Permission[] = [...ADMIN, "user.assign_privileged"];

export const ROLE_PERMISSIONS: Record<PlatformRole, ReadonlySet<Permission>> = {
  OWNER: new Set(OWNER),
  ADMIN: new Set(ADMIN),
  POWER_USER_PLUS: new Set(POWER_PLUS),
  POWER_USER: new Set(POWER),
  BASIC_USER: new Set(BASIC),
};

/** Only what the add-on grants; it never widens anything else. */
const AUDITOR_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>([
  "audit.read_metadata",
  "audit.read_bodies",
]);

export type Actor = { role: PlatformRole; isAuditor: boolean; status: "ACTIVE" | "DEACTIVATED" };

export function can(actor: Actor | null | undefined, permission: Permission): boolean {
  if (actor?.status !== "ACTIVE") return false;
  return (
    ROLE_PERMISSIONS[actor.role].has(permission) || (actor.isAuditor && AUDITOR_PERMISSIONS.has(permission))
  );
}

/** The roles that hold `permission` by themselves (not through the Auditor add-on). */
export function rolesWith(permission: Permission): PlatformRole[] {
  return PLATFORM_ROLES.filter((role) => ROLE_PERMISSIONS[role].has(permission));
}

export function permissionsOf(actor: Actor | null | undefined): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((permission) => can(actor, permission));
}

export class PermissionDeniedError extends AppError {
  constructor(readonly permission: Permission) {
    super("FORBIDDEN", `You do not have permission to ${PERMISSIONS[permission]}.`, {
      details: { permission },
    });
  }
}

export function assertCan(actor: Actor | null | undefined, permission: Permission): void {
  if (!can(actor, permission)) throw new PermissionDeniedError(permission);
}

/**
 * May `actor` move a user from role `from` to role `to`? Owner is special: only Owners assign or
 * remove it. Admins manage every other role. Nobody changes their own role (no self-promotion, and
 * an Owner cannot demote themself by accident; another Owner must do it).
 */
export function canChangeRole(
  actor: Actor & { id: string },
  target: { id: string; role: PlatformRole },
  to: PlatformRole,
): boolean {
  if (actor.id === target.id) return false;
  if (!can(actor, "user.set_role")) return false;
  if (target.role === "OWNER" || to === "OWNER") return can(actor, "user.assign_privileged");
  return true;
}

/** The Auditor add-on is privileged: only Owners grant or remove it. */
export function canChangeAuditor(actor: Actor & { id: string }, target: { id: string }): boolean {
  return actor.id !== target.id && can(actor, "user.assign_privileged");
}
