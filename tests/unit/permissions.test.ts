import { describe, expect, it } from "vitest";
import {
  type Actor,
  assertCan,
  can,
  canChangeAuditor,
  canChangeRole,
  PERMISSIONS,
  type Permission,
  PLATFORM_ROLES,
  type PlatformRole,
  permissionsOf,
} from "@/server/policy/permissions";

/**
 * The role matrix, written out by hand: a change to the policy table must be made here too, on
 * purpose. ✓ = allowed. Columns: Owner, Admin, Power user+, Power user, Basic user.
 */
const MATRIX: Record<Permission, [boolean, boolean, boolean, boolean, boolean]> = {
  "catalog.read": [true, true, true, true, true],
  "connection.manage_own": [true, true, true, true, true],
  "token.manage_own": [true, true, true, true, true],
  "profile.manage_own": [true, true, true, true, true],
  "server.publish_personal": [true, true, true, true, false],
  "audit.read_own_servers": [true, true, true, true, false],
  "server.submit_shared": [true, true, true, false, false],
  "registry.manage_own": [true, true, true, false, false],
  "server.manage_all": [true, true, false, false, false],
  "registry.manage_all": [true, true, false, false, false],
  "access.explore": [true, true, false, false, false],
  "user.read": [true, true, false, false, false],
  "user.invite": [true, true, false, false, false],
  "user.set_role": [true, true, false, false, false],
  "user.deactivate": [true, true, false, false, false],
  "user.assign_privileged": [true, false, false, false, false],
  "team.read": [true, true, false, false, false],
  "team.manage": [true, true, false, false, false],
  "token.revoke_any": [true, true, false, false, false],
  "settings.manage": [true, true, false, false, false],
  "system.read": [true, true, false, false, false],
  "system.operate": [true, true, false, false, false],
  "audit.read_metadata": [true, true, false, false, false],
  "audit.read_bodies": [false, false, false, false, false],
};

const actor = (role: PlatformRole, extra: Partial<Actor> = {}): Actor => ({
  role,
  isAuditor: false,
  status: "ACTIVE",
  ...extra,
});

describe("role × permission matrix", () => {
  it("covers every permission", () => {
    expect(Object.keys(MATRIX).sort()).toEqual(Object.keys(PERMISSIONS).sort());
  });

  const cases = (Object.keys(MATRIX) as Permission[]).flatMap((permission) =>
    PLATFORM_ROLES.map((role, column) => ({ role, permission, allowed: MATRIX[permission][column] })),
  );
  it.each(cases)("$role → $permission: $allowed", ({ role, permission, allowed }) => {
    expect(can(actor(role), permission)).toBe(allowed);
  });

  it.each(PLATFORM_ROLES)("the Auditor add-on on %s adds only audit reading", (role) => {
    const withAddOn = permissionsOf(actor(role, { isAuditor: true }));
    const without = permissionsOf(actor(role));
    expect(withAddOn.filter((permission) => !without.includes(permission)).sort()).toEqual(
      (["audit.read_bodies", "audit.read_metadata"] as Permission[])
        .filter((p) => !without.includes(p))
        .sort(),
    );
  });

  it.each(PLATFORM_ROLES)("a deactivated %s may do nothing, Auditor or not", (role) => {
    expect(permissionsOf(actor(role, { status: "DEACTIVATED", isAuditor: true }))).toEqual([]);
  });

  it("nobody without a user may do anything", () => {
    expect(permissionsOf(null)).toEqual([]);
  });

  it("assertCan throws a FORBIDDEN AppError naming the permission", () => {
    expect(() => assertCan(actor("POWER_USER"), "user.set_role")).toThrow(
      /permission to change roles up to Admin/,
    );
    expect(() => assertCan(actor("ADMIN"), "user.set_role")).not.toThrow();
  });
});

describe("role changes", () => {
  const owner = { ...actor("OWNER"), id: "owner" };
  const admin = { ...actor("ADMIN"), id: "admin" };
  const power = { ...actor("POWER_USER_PLUS"), id: "power" };

  it("lets an Admin move people between non-Owner roles", () => {
    expect(canChangeRole(admin, { id: "x", role: "BASIC_USER" }, "ADMIN")).toBe(true);
    expect(canChangeRole(admin, { id: "x", role: "ADMIN" }, "POWER_USER")).toBe(true);
  });

  it("never lets an Admin grant or remove Owner", () => {
    expect(canChangeRole(admin, { id: "x", role: "ADMIN" }, "OWNER")).toBe(false);
    expect(canChangeRole(admin, { id: "x", role: "OWNER" }, "ADMIN")).toBe(false);
  });

  it("lets an Owner grant and remove Owner, but not change their own role", () => {
    expect(canChangeRole(owner, { id: "x", role: "ADMIN" }, "OWNER")).toBe(true);
    expect(canChangeRole(owner, { id: "y", role: "OWNER" }, "BASIC_USER")).toBe(true);
    expect(canChangeRole(owner, { id: "owner", role: "OWNER" }, "ADMIN")).toBe(false);
  });

  it("refuses everyone below Admin", () => {
    expect(canChangeRole(power, { id: "x", role: "BASIC_USER" }, "POWER_USER")).toBe(false);
  });

  it("keeps the Auditor add-on for Owners to give", () => {
    expect(canChangeAuditor(owner, { id: "x" })).toBe(true);
    expect(canChangeAuditor(admin, { id: "x" })).toBe(false);
    expect(canChangeAuditor(owner, { id: "owner" })).toBe(false);
  });
});
