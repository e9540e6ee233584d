import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { assertMayRestoreAccess, changeUser } from "./lock-users";
import { findUserRow, type UserRow } from "./user-row";

/**
 * Lets a deactivated user sign in again. What deactivation revoked (sessions, API tokens) stays
 * revoked: they sign in afresh and issue new tokens.
 */
export async function reactivateUser(options: {
  db: Db;
  actorId: string;
  userId: string;
  context: AuditContext;
  now?: Date;
}): Promise<UserRow> {
  const now = options.now ?? new Date();
  return changeUser(options, "user.deactivate", async (tx, actor, target) => {
    const audit = {
      action: "user.reactivate",
      targetType: "user",
      targetId: target.id,
      metadata: {
        email: target.email,
        role: target.role,
        before: { status: target.status },
        after: { status: "ACTIVE" },
      },
    };
    assertMayRestoreAccess(actor, target, "reactivate the account", audit);
    if (target.status === "ACTIVE") return findUserRow(tx, target.id, now);

    await tx.user.update({ where: { id: target.id }, data: { status: "ACTIVE", deactivatedAt: null } });
    await recordAudit(tx, options.context, audit);
    return findUserRow(tx, target.id, now);
  });
}
