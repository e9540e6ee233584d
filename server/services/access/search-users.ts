import type { Db } from "../../db";
import { byName } from "../teams/team-row";
import { nameOrEmailContains } from "../users/user-search";
import type { ReachUser } from "./reach-types";

const LIMIT = 20;

/** Users by name or email for the explorer's user picker, deactivated ones included (they reach nothing). */
export async function searchExplorableUsers(options: { db: Db; search?: string }): Promise<ReachUser[]> {
  const search = options.search?.trim();
  const users = await options.db.user.findMany({
    where: search ? nameOrEmailContains(search) : undefined,
    select: { id: true, name: true, email: true, role: true, status: true },
    orderBy: [{ status: "asc" }, { email: "asc" }],
    take: LIMIT,
  });
  return users.sort(
    (a, b) =>
      Number(a.status !== "ACTIVE") - Number(b.status !== "ACTIVE") ||
      byName(a.name ?? a.email, b.name ?? b.email),
  );
}
