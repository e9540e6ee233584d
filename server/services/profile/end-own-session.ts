import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";

/**
 * Signs one of the caller's own sessions out (a lost laptop). The user id is part of the lookup:
 * another user's session id is answered exactly like an unknown one.
 */
export async function endOwnSession(options: {
  db: Db;
  userId: string;
  sessionId: string;
  currentSessionId: string;
  context: AuditContext;
}): Promise<{ ended: boolean }> {
  return options.db.$transaction(async (tx) => {
    const session = await tx.session.findFirst({
      where: { id: options.sessionId, userId: options.userId },
      select: { id: true, ipAddress: true, userAgent: true, createdAt: true },
    });
    if (!session) {
      throw new AppError("NOT_FOUND", "This session does not exist or has already ended. Reload the page.");
    }
    const { count } = await tx.session.deleteMany({ where: { id: session.id, userId: options.userId } });
    if (count > 0) {
      await recordAudit(tx, options.context, {
        action: "auth.session.end",
        targetType: "session",
        targetId: session.id,
        metadata: {
          isCurrent: session.id === options.currentSessionId,
          ipAddress: session.ipAddress,
          userAgent: session.userAgent,
          startedAt: session.createdAt.toISOString(),
        },
      });
    }
    return { ended: count > 0 };
  });
}
