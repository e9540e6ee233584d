import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import {
  changeRegistry,
  lockManagedRegistry,
  type RegistryActor,
  type RegistryDetail,
  subjectLabel,
} from "./registry-row";

/** Takes the registry away from one subject; they lose what it gave them on their next request. */
export async function removeRegistrySubject(options: {
  db: Db;
  actor: RegistryActor;
  registryId: string;
  subjectId: string;
  context: AuditContext;
}): Promise<RegistryDetail> {
  return changeRegistry(options.db, options.actor, async (tx) => {
    const registry = await lockManagedRegistry(tx, options.actor, options.registryId);
    const subject = await tx.registrySubject.findFirst({
      where: { id: options.subjectId, registryId: registry.id },
      select: {
        id: true,
        kind: true,
        userId: true,
        teamId: true,
        user: { select: { name: true, email: true } },
        team: { select: { name: true } },
      },
    });
    if (!subject) {
      throw new AppError("NOT_FOUND", "This subject is no longer on the registry. Reload the page.");
    }
    await tx.registrySubject.delete({ where: { id: subject.id } });
    await recordAudit(tx, options.context, {
      action: "registry.subject.remove",
      targetType: "registry",
      targetId: registry.id,
      metadata: {
        registry: registry.slug,
        before: {
          subjectId: subject.id,
          kind: subject.kind,
          userId: subject.userId,
          teamId: subject.teamId,
          label: subjectLabel(subject),
        },
        after: null,
      },
    });
    return registry.id;
  });
}
