import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { canChangeAuditor } from "../../policy/permissions";
import { RefusedChange } from "./audited-change";
import { changeUser } from "./lock-users";
import { findUserRow, type UserRow } from "./user-row";

/** The Auditor add-on lets its holder read request and response bodies; only Owners hand it out. */
export async function setUserAuditor(options: {
  db: Db;
  actorId: string;
  userId: string;
  isAuditor: boolean;
  context: AuditContext;
  now?: Date;
}): Promise<UserRow> {
  const now = options.now ?? new Date();
  return changeUser(options, "user.assign_privileged", async (tx, actor, target) => {
    const audit = {
      action: "user.auditor.change",
      targetType: "user",
      targetId: target.id,
      metadata: { email: target.email, before: target.isAuditor, after: options.isAuditor },
    };
    if (actor.id === target.id) {
      throw new RefusedChange("FORBIDDEN", "You cannot change your own Auditor access.", audit);
    }
    if (!canChangeAuditor(actor, target)) {
      throw new RefusedChange("FORBIDDEN", "Only an Owner can grant or remove the Auditor add-on.", audit);
    }
    if (target.isAuditor === options.isAuditor) return findUserRow(tx, target.id, now);

    await tx.user.update({ where: { id: target.id }, data: { isAuditor: options.isAuditor } });
    await recordAudit(tx, options.context, audit);
    return findUserRow(tx, target.id, now);
  });
}
