import type { Db } from "../../db";
import { byName } from "../teams/team-row";
import {
  managedRegistryWhere,
  REGISTRY_ROW_SELECT,
  type RegistryActor,
  type RegistryRow,
  toRegistryRow,
} from "./registry-row";

/** The registries the actor manages (Admins: all; Power user+: their own), by name. */
export async function listRegistries(options: {
  db: Db;
  actor: RegistryActor;
  search?: string;
}): Promise<RegistryRow[]> {
  const search = options.search?.trim();
  const registries = await options.db.registry.findMany({
    where: {
      ...managedRegistryWhere(options.actor),
      ...(search && {
        OR: [
          { name: { contains: search, mode: "insensitive" } },
          { slug: { contains: search, mode: "insensitive" } },
          { description: { contains: search, mode: "insensitive" } },
        ],
      }),
    },
    select: REGISTRY_ROW_SELECT,
    orderBy: { id: "asc" },
  });
  return registries.map(toRegistryRow).sort((a, b) => byName(a.name, b.name) || byName(a.slug, b.slug));
}
