import type { Db } from "../../db";
import { AppError } from "../../errors";
import type { PlatformRole } from "../../policy/permissions";

export type Profile = {
  user: {
    id: string;
    email: string;
    name: string | null;
    role: PlatformRole;
    isAuditor: boolean;
    createdAt: Date;
    lastLoginAt: Date | null;
    hasPassword: boolean;
  };
  sessions: {
    id: string;
    createdAt: Date;
    lastSeenAt: Date;
    ipAddress: string | null;
    userAgent: string | null;
    isCurrent: boolean;
  }[];
  identities: { provider: string; providerAccountId: string; createdAt: Date }[];
};

/** The signed-in user's own account: who they are, where they are signed in, which identities are linked. */
export async function getProfile(options: {
  db: Db;
  userId: string;
  currentSessionId: string;
  now?: Date;
}): Promise<Profile> {
  const now = options.now ?? new Date();
  const user = await options.db.user.findUnique({
    where: { id: options.userId },
    select: {
      id: true,
      email: true,
      name: true,
      role: true,
      isAuditor: true,
      createdAt: true,
      lastLoginAt: true,
      passwordHash: true,
      sessions: {
        where: { expires: { gt: now } },
        select: { id: true, createdAt: true, lastSeenAt: true, ipAddress: true, userAgent: true },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      },
      accounts: {
        select: { provider: true, providerAccountId: true, createdAt: true },
        orderBy: { createdAt: "asc" },
      },
    },
  });
  if (!user) throw new AppError("UNAUTHORIZED", "Sign in to continue.");
  const { passwordHash, sessions, accounts, ...rest } = user;
  return {
    user: { ...rest, hasPassword: passwordHash !== null },
    sessions: sessions.map((session) => ({ ...session, isCurrent: session.id === options.currentSessionId })),
    identities: accounts,
  };
}
