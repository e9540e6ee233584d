import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import { changeRegistry, lockManagedRegistry, type RegistryActor, type RegistryDetail } from "./registry-row";

/** Renames or re-describes a registry. The slug stays: the CLI and links refer to it. */
export async function updateRegistry(options: {
  db: Db;
  actor: RegistryActor;
  registryId: string;
  name?: string;
  description?: string | null;
  context: AuditContext;
}): Promise<RegistryDetail> {
  return changeRegistry(options.db, options.actor, async (tx) => {
    const before = await lockManagedRegistry(tx, options.actor, options.registryId);
    const name = options.name === undefined ? before.name : options.name.trim();
    if (!name) throw new AppError("BAD_REQUEST", "Enter a registry name.", { details: { field: "name" } });
    const description =
      options.description === undefined ? before.description : (options.description?.trim() ?? "");
    if (name !== before.name || description !== before.description) {
      await tx.registry.update({ where: { id: before.id }, data: { name, description } });
      await recordAudit(tx, options.context, {
        action: "registry.update",
        targetType: "registry",
        targetId: before.id,
        metadata: {
          slug: before.slug,
          before: { name: before.name, description: before.description },
          after: { name, description },
        },
      });
    }
    return before.id;
  });
}
