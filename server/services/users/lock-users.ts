import type { AuditContext, AuditInput } from "../../audit/record";
import type { Db, Tx } from "../../db";
import { can, type Permission, PermissionDeniedError, type PlatformRole } from "../../policy/permissions";
import { RefusedChange, runAuditedChange } from "./audited-change";
import { userNotFound } from "./user-row";

export type LockedUser = {
  id: string;
  email: string;
  role: PlatformRole;
  isAuditor: boolean;
  status: "ACTIVE" | "DEACTIVATED";
  passwordHash: string | null;
  lockedUntil: Date | null;
  failedLoginCount: number;
};

const LOCKED_USER_SELECT = {
  id: true,
  email: true,
  role: true,
  isAuditor: true,
  status: true,
  passwordHash: true,
  lockedUntil: true,
  failedLoginCount: true,
} as const;

/**
 * Locks the acting user's row and the target's (in id order, so two admins acting on each other
 * cannot deadlock) and reads both fresh. The actor's role is re-read here rather than taken from
 * the request's session: two Owners demoting each other at the same moment are serialised, and
 * the second finds it is no longer an Owner, so the installation never ends up without one.
 */
/**
 * The operator at the `gatehouse` command line: whoever can run it can already reach the database
 * and the secrets, so it acts with an Owner's authority (the last-Owner rule still holds). Its
 * audit events have no actor user and say `via: "cli"`.
 */
export const OPERATOR = "operator" as const;

const OPERATOR_ACTOR: LockedUser = {
  id: OPERATOR,
  email: "operator (gatehouse CLI)",
  role: "OWNER",
  isAuditor: false,
  status: "ACTIVE",
  passwordHash: null,
  lockedUntil: null,
  failedLoginCount: 0,
};

export async function lockActorAndTarget(
  tx: Tx,
  options: { actorId: string; targetId: string; permission: Permission },
): Promise<{ actor: LockedUser; target: LockedUser }> {
  if (options.actorId === OPERATOR) {
    await tx.$queryRaw`SELECT id FROM "User" WHERE id = ${options.targetId}::uuid FOR UPDATE`;
    const target = await tx.user.findUnique({ where: { id: options.targetId }, select: LOCKED_USER_SELECT });
    if (!target) throw userNotFound();
    return { actor: OPERATOR_ACTOR, target };
  }
  const ids = [...new Set([options.actorId, options.targetId])];
  await tx.$queryRaw`SELECT id FROM "User" WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE`;
  const rows = await tx.user.findMany({ where: { id: { in: ids } }, select: LOCKED_USER_SELECT });
  const actor = rows.find((row) => row.id === options.actorId);
  const target = rows.find((row) => row.id === options.targetId);
  // The actor may have lost the permission (or been deactivated) since the request started.
  if (!actor || !can(actor, options.permission)) throw new PermissionDeniedError(options.permission);
  if (!target) throw userNotFound();
  return { actor, target };
}

/**
 * Refuses a change that would leave no active Owner (nobody could then grant Owner or Auditor).
 * With the rows locked as above this cannot normally trigger, since the acting Owner stays one;
 * it is the last line of defence if that ever changes.
 */
export async function assertNotLastOwner(
  tx: Tx,
  target: LockedUser,
  audit: Omit<AuditInput, "outcome" | "reason">,
): Promise<void> {
  if (target.role !== "OWNER" || target.status !== "ACTIVE") return;
  const others = await tx.user.count({ where: { role: "OWNER", status: "ACTIVE", id: { not: target.id } } });
  if (others > 0) return;
  throw new RefusedChange(
    "CONFLICT",
    `${target.email} is the last Owner of this installation; make another user an Owner first.`,
    audit,
  );
}

/**
 * Owners and Auditors are the accounts an Admin may not manage (DESIGN: Admins manage users "except
 * Owner/Auditor"). Handing such an account's access back — a new password, a reactivation, a lifted
 * lockout — would let an Admin take it over and with it what only an Owner may grant, so only an
 * Owner may do it.
 */
export function assertMayRestoreAccess(
  actor: LockedUser,
  target: LockedUser,
  what: string,
  audit: Omit<AuditInput, "outcome" | "reason">,
): void {
  if ((target.role === "OWNER" || target.isAuditor) && !can(actor, "user.assign_privileged"))
    throw new RefusedChange("FORBIDDEN", `Only an Owner can ${what} of an Owner or an Auditor.`, audit);
}

/**
 * The shape of every change an actor makes to another user: one transaction that locks both rows,
 * re-checks the actor's permission, runs `change`, and audits a refusal if `change` throws one.
 */
export function changeUser<T>(
  options: { db: Db; actorId: string; userId: string; context: AuditContext },
  permission: Permission,
  change: (tx: Tx, actor: LockedUser, target: LockedUser) => Promise<T>,
): Promise<T> {
  return runAuditedChange({
    db: options.db,
    context: options.context,
    change: async (tx) => {
      const { actor, target } = await lockActorAndTarget(tx, {
        actorId: options.actorId,
        targetId: options.userId,
        permission,
      });
      return change(tx, actor, target);
    },
  });
}
