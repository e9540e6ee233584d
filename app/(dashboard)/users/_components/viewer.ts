import {
  type Actor,
  can,
  canChangeRole,
  PLATFORM_ROLES,
  type PlatformRole,
} from "@/server/policy/permissions";

/** The signed-in person looking at the page; decides what the page offers (the server decides what works). */
export type Viewer = Actor & { id: string };

type Target = { id: string; role: PlatformRole };

/** The roles the viewer may give this user, the current one included (it is the select's value). */
export function assignableRoles(viewer: Viewer, target: Target): PlatformRole[] {
  return PLATFORM_ROLES.filter((role) => role === target.role || canChangeRole(viewer, target, role));
}

/** Roles an invitation may carry: Owner only from an Owner. */
export function invitableRoles(viewer: Viewer): PlatformRole[] {
  return PLATFORM_ROLES.filter((role) => role !== "OWNER" || can(viewer, "user.assign_privileged"));
}

/**
 * Deactivate, reactivate, unlock and reset the password of this user. Never oneself (the way back
 * would be locked), and an Owner's account only by another Owner.
 */
export function canManageAccount(viewer: Viewer, target: Target): boolean {
  if (viewer.id === target.id || !can(viewer, "user.deactivate")) return false;
  return target.role !== "OWNER" || can(viewer, "user.assign_privileged");
}

/**
 * Hand an account's access back — reset its password, reactivate it, lift its lockout: an Owner's
 * or an Auditor's only by an Owner (the server's assertMayRestoreAccess).
 */
export function canRestoreAccess(viewer: Viewer, target: Target & { isAuditor: boolean }): boolean {
  if (!can(viewer, "user.deactivate")) return false;
  return (target.role !== "OWNER" && !target.isAuditor) || can(viewer, "user.assign_privileged");
}

export function displayName(user: { name: string | null; email: string }): string {
  return user.name?.trim() || user.email;
}

/** Rows per page of the users table (the server prefetch and the browser must agree, or the cache misses). */
export const USERS_PAGE_SIZE = 50;
