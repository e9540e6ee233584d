import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { assertMayRestoreAccess, changeUser } from "./lock-users";
import { findUserRow, type UserRow } from "./user-row";

/** Lifts a password lockout (and forgets earlier failures) before it runs out by itself. */
export async function unlockUser(options: {
  db: Db;
  actorId: string;
  userId: string;
  context: AuditContext;
  now?: Date;
}): Promise<UserRow> {
  const now = options.now ?? new Date();
  return changeUser(options, "user.deactivate", async (tx, actor, target) => {
    const audit = {
      action: "user.unlock",
      targetType: "user",
      targetId: target.id,
      metadata: {
        email: target.email,
        before: {
          lockedUntil: target.lockedUntil?.toISOString() ?? null,
          failedLoginCount: target.failedLoginCount,
        },
        after: { lockedUntil: null, failedLoginCount: 0 },
      },
    };
    assertMayRestoreAccess(actor, target, "lift the lockout", audit);
    if (target.lockedUntil === null && target.failedLoginCount === 0) return findUserRow(tx, target.id, now);

    await tx.user.update({ where: { id: target.id }, data: { lockedUntil: null, failedLoginCount: 0 } });
    await recordAudit(tx, options.context, audit);
    return findUserRow(tx, target.id, now);
  });
}
