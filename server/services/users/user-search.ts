import type { Prisma } from "../../db";

/** The same match in memory: whether a person's email or name contains `needle` (lowercase). */
export function personMatches(person: { name: string | null; email: string }, needle: string): boolean {
  return person.email.toLowerCase().includes(needle) || (person.name ?? "").toLowerCase().includes(needle);
}

/**
 * Users whose email or name contains `search`, ignoring case: how every people search in Gatehouse
 * matches (the users list, the access explorer, team members, the admin token list).
 */
export function nameOrEmailContains(search: string): Prisma.UserWhereInput {
  return {
    OR: [
      { email: { contains: search, mode: "insensitive" } },
      { name: { contains: search, mode: "insensitive" } },
    ],
  };
}
