import type { Db, Prisma, Tx } from "../../db";
import { AppError } from "../../errors";
import type { PlatformRole } from "../../policy/permissions";
import { byName } from "../teams/team-row";

/** One user as the users page shows it. Never carries the password hash, only whether there is one. */
export type UserRow = {
  id: string;
  email: string;
  name: string | null;
  role: PlatformRole;
  isAuditor: boolean;
  status: "ACTIVE" | "DEACTIVATED";
  createdAt: Date;
  lastLoginAt: Date | null;
  deactivatedAt: Date | null;
  /** null when not locked (a lockout that has run out is not shown) */
  lockedUntil: Date | null;
  hasPassword: boolean;
  /** Account.provider of each linked identity, e.g. "oidc", "github" */
  identityProviders: string[];
  teams: { id: string; name: string }[];
};

export const USER_ROW_SELECT = {
  id: true,
  email: true,
  name: true,
  role: true,
  isAuditor: true,
  status: true,
  createdAt: true,
  lastLoginAt: true,
  deactivatedAt: true,
  lockedUntil: true,
  passwordHash: true,
  accounts: { select: { provider: true }, orderBy: { provider: "asc" } },
  teamMemberships: { select: { team: { select: { id: true, name: true } } } },
} satisfies Prisma.UserSelect;

type SelectedUser = Prisma.UserGetPayload<{ select: typeof USER_ROW_SELECT }>;

export function toUserRow(user: SelectedUser, now: Date): UserRow {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    isAuditor: user.isAuditor,
    status: user.status,
    createdAt: user.createdAt,
    lastLoginAt: user.lastLoginAt,
    deactivatedAt: user.deactivatedAt,
    lockedUntil: user.lockedUntil && user.lockedUntil > now ? user.lockedUntil : null,
    hasPassword: user.passwordHash !== null,
    identityProviders: [...new Set(user.accounts.map((account) => account.provider))],
    teams: user.teamMemberships.map((membership) => membership.team).sort((a, b) => byName(a.name, b.name)),
  };
}

export function userNotFound(): AppError {
  return new AppError("NOT_FOUND", "This user does not exist (any more). Reload the list and try again.");
}

export async function findUserRow(db: Db | Tx, userId: string, now: Date): Promise<UserRow> {
  const user = await db.user.findUnique({ where: { id: userId }, select: USER_ROW_SELECT });
  if (!user) throw userNotFound();
  return toUserRow(user, now);
}
