import type { Db, Prisma } from "../../db";
import type { PlatformRole } from "../../policy/permissions";
import { toUserRow, USER_ROW_SELECT, type UserRow } from "./user-row";
import { nameOrEmailContains } from "./user-search";

export type ListUsersOptions = {
  db: Db;
  search?: string;
  role?: PlatformRole;
  status?: "ACTIVE" | "DEACTIVATED";
  /** id of the last row of the previous page */
  cursor?: string;
  limit: number;
  now?: Date;
};

/** Newest first, keyset-paginated by id so pages stay stable while users are added. */
export async function listUsers(
  options: ListUsersOptions,
): Promise<{ items: UserRow[]; nextCursor: string | null }> {
  const now = options.now ?? new Date();
  const search = options.search?.trim();
  const where: Prisma.UserWhereInput = {
    ...(options.role && { role: options.role }),
    ...(options.status && { status: options.status }),
    ...(search && nameOrEmailContains(search)),
  };
  const rows = await options.db.user.findMany({
    where,
    select: USER_ROW_SELECT,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: options.limit + 1,
    ...(options.cursor && { cursor: { id: options.cursor }, skip: 1 }),
  });
  const page = rows.slice(0, options.limit);
  return {
    items: page.map((row) => toUserRow(row, now)),
    nextCursor: rows.length > options.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
