import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { can } from "../../policy/permissions";
import { endAllSessions } from "../auth/sessions";
import { publishUserTokensRevoked } from "../tokens/token-revocation-events";
import { RefusedChange } from "./audited-change";
import { assertNotLastOwner, changeUser } from "./lock-users";
import { findUserRow, type UserRow } from "./user-row";

/**
 * One-step offboarding: the account is switched off, every sign-in session ends and every API
 * token is revoked in the same transaction, so the user's next request fails wherever it comes from.
 */
export async function deactivateUser(options: {
  db: Db;
  actorId: string;
  userId: string;
  context: AuditContext;
  now?: Date;
}): Promise<UserRow> {
  const now = options.now ?? new Date();
  let deactivated = false;
  const row = await changeUser(options, "user.deactivate", async (tx, actor, target) => {
    const audit = {
      action: "user.deactivate",
      targetType: "user",
      targetId: target.id,
      metadata: { email: target.email, role: target.role },
    };
    if (actor.id === target.id) {
      throw new RefusedChange(
        "FORBIDDEN",
        "You cannot deactivate your own account; ask another Owner or Admin.",
        audit,
      );
    }
    if (target.role === "OWNER" && !can(actor, "user.assign_privileged")) {
      throw new RefusedChange("FORBIDDEN", "Only an Owner can deactivate an Owner.", audit);
    }
    if (target.status === "DEACTIVATED") return findUserRow(tx, target.id, now);
    await assertNotLastOwner(tx, target, audit);

    await tx.user.update({
      where: { id: target.id },
      data: { status: "DEACTIVATED", deactivatedAt: now, sessionVersion: { increment: 1 } },
    });
    const sessionsEnded = await endAllSessions({ db: tx, userId: target.id });
    const { count: tokensRevoked } = await tx.apiToken.updateMany({
      where: { userId: target.id, revokedAt: null },
      data: { revokedAt: now },
    });
    await recordAudit(tx, options.context, {
      ...audit,
      metadata: {
        ...audit.metadata,
        before: { status: "ACTIVE" },
        after: { status: "DEACTIVATED" },
        sessionsEnded,
        tokensRevoked,
      },
    });
    deactivated = true;
    return findUserRow(tx, target.id, now);
  });
  // After the commit: tells every app instance to close the user's open MCP streams now.
  if (deactivated) await publishUserTokensRevoked(options.userId, now);
  return row;
}
