import { randomBytes } from "node:crypto";
import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db, Tx } from "../../db";
import type { PlatformRole } from "../../policy/permissions";

/**
 * Sign-in sessions. The browser holds a signed JWT that names a session row; every request checks
 * that row and its user, so signing out everywhere, ending one session, or deactivating a user
 * takes effect on the next request, on every app instance.
 */
export const SESSION_DAYS = 14;
const TOUCH_INTERVAL_MS = 5 * 60_000;

export type SessionUser = {
  id: string;
  email: string;
  name: string | null;
  image: string | null;
  role: PlatformRole;
  isAuditor: boolean;
  status: "ACTIVE" | "DEACTIVATED";
};

export type CurrentSession = { sessionId: string; user: SessionUser };

export async function startSession(options: {
  db: Db;
  userId: string;
  method: string;
  context: AuditContext;
  now?: Date;
}): Promise<{ sessionId: string; expires: Date }> {
  const now = options.now ?? new Date();
  const expires = new Date(now.getTime() + SESSION_DAYS * 24 * 3600_000);
  return options.db.$transaction(async (tx) => {
    const session = await tx.session.create({
      data: {
        userId: options.userId,
        // The row id is what the cookie names; this column satisfies the adapter schema.
        sessionToken: randomBytes(32).toString("base64url"),
        expires,
        ipAddress: options.context.clientIp ?? null,
        userAgent: options.context.userAgent?.slice(0, 500) ?? null,
      },
    });
    await tx.user.update({ where: { id: options.userId }, data: { lastLoginAt: now } });
    await recordAudit(
      tx,
      { ...options.context, actorUserId: options.userId },
      {
        action: "auth.signin",
        targetType: "session",
        targetId: session.id,
        metadata: { method: options.method },
      },
    );
    return { sessionId: session.id, expires };
  });
}

/** The live session and its user, or null when it ended, expired, or the user was deactivated. */
export async function resolveSession(options: {
  db: Db;
  sessionId: string;
  now?: Date;
}): Promise<CurrentSession | null> {
  const now = options.now ?? new Date();
  const session = await options.db.session.findUnique({
    where: { id: options.sessionId },
    include: {
      user: {
        select: { id: true, email: true, name: true, image: true, role: true, isAuditor: true, status: true },
      },
    },
  });
  if (!session || session.expires <= now || session.user.status !== "ACTIVE") return null;
  if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await options.db.session
      .update({ where: { id: session.id }, data: { lastSeenAt: now } })
      .catch(() => undefined);
  }
  return { sessionId: session.id, user: session.user };
}

export async function endSession(options: {
  db: Db;
  sessionId: string;
  context: AuditContext;
}): Promise<void> {
  await options.db.$transaction(async (tx) => {
    const { count } = await tx.session.deleteMany({ where: { id: options.sessionId } });
    if (count > 0) {
      await recordAudit(tx, options.context, {
        action: "auth.signout",
        targetType: "session",
        targetId: options.sessionId,
      });
    }
  });
}

/** Ends every session of a user (sign out everywhere, deactivation). Returns how many ended. */
export async function endAllSessions(options: { db: Db | Tx; userId: string }): Promise<number> {
  const { count } = await options.db.session.deleteMany({ where: { userId: options.userId } });
  return count;
}
