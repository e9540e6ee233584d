import type { Db } from "../../db";
import { findRegistryDetail, type RegistryActor, type RegistryDetail } from "./registry-row";

/** One registry the actor manages; any other (or none) is NOT_FOUND. */
export function getRegistry(options: {
  db: Db;
  actor: RegistryActor;
  registryId: string;
}): Promise<RegistryDetail> {
  return findRegistryDetail(options.db, options.actor, options.registryId);
}
