import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { canChangeRole, type PlatformRole } from "../../policy/permissions";
import { RefusedChange } from "./audited-change";
import { assertNotLastOwner, changeUser } from "./lock-users";
import { findUserRow, type UserRow } from "./user-row";

export async function setUserRole(options: {
  db: Db;
  actorId: string;
  userId: string;
  role: PlatformRole;
  context: AuditContext;
  now?: Date;
}): Promise<UserRow> {
  const now = options.now ?? new Date();
  return changeUser(options, "user.set_role", async (tx, actor, target) => {
    const audit = {
      action: "user.role.change",
      targetType: "user",
      targetId: target.id,
      metadata: { email: target.email, before: target.role, after: options.role },
    };
    if (actor.id === target.id)
      throw new RefusedChange("FORBIDDEN", "You cannot change your own role.", audit);
    if (!canChangeRole(actor, target, options.role)) {
      throw new RefusedChange("FORBIDDEN", "Only an Owner can grant or remove the Owner role.", audit);
    }
    if (target.role === options.role) return findUserRow(tx, target.id, now);
    if (options.role !== "OWNER") await assertNotLastOwner(tx, target, audit);

    await tx.user.update({ where: { id: target.id }, data: { role: options.role } });
    await recordAudit(tx, options.context, audit);
    return findUserRow(tx, target.id, now);
  });
}
