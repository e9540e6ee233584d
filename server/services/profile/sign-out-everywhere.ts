import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { endAllSessions } from "../auth/sessions";

/** Ends every session of the caller, the current one included: the next request anywhere signs in again. */
export async function signOutEverywhere(options: {
  db: Db;
  userId: string;
  context: AuditContext;
}): Promise<{ ended: number }> {
  return options.db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: options.userId }, data: { sessionVersion: { increment: 1 } } });
    const ended = await endAllSessions({ db: tx, userId: options.userId });
    await recordAudit(tx, options.context, {
      action: "auth.signout.everywhere",
      targetType: "user",
      targetId: options.userId,
      metadata: { sessionsEnded: ended },
    });
    return { ended };
  });
}
