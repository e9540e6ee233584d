import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db, Prisma } from "../../db";
import { AppError } from "../../errors";
import {
  changeRegistry,
  lockManagedRegistry,
  mayGrantServer,
  type RegistryActor,
  type RegistryDetail,
} from "./registry-row";

export type SubjectInput =
  | { kind: "USER"; userId: string }
  | { kind: "TEAM"; teamId: string }
  | { kind: "EVERYONE" };

/**
 * Grants the registry to one more subject: a user, a team (everyone in it, now and later), or
 * everyone. The unique index cannot catch a second "everyone" (PostgreSQL treats the NULL user and
 * team ids as distinct), so duplicates are checked here, under the registry's row lock.
 *
 * A new subject widens who gets every server in the registry. A registry owner who is not an Admin
 * may only narrow the access to servers an Admin added (mayGrantServer), so while it holds any, its
 * subjects are an Admin's to widen too.
 */
export async function addRegistrySubject(options: {
  db: Db;
  actor: RegistryActor;
  registryId: string;
  subject: SubjectInput;
  context: AuditContext;
}): Promise<RegistryDetail> {
  const { subject } = options;
  return changeRegistry(options.db, options.actor, async (tx) => {
    const registry = await lockManagedRegistry(tx, options.actor, options.registryId);
    const entries = await tx.registryServer.findMany({
      where: { registryId: registry.id },
      select: { server: { select: { name: true, ownerId: true } } },
    });
    const notTheirs = entries.filter((entry) => !mayGrantServer(options.actor, entry.server));
    if (notTheirs.length > 0) {
      const names = notTheirs.map((entry) => entry.server.name);
      const listed = names.length > 3 ? `${names.slice(0, 3).join(", ")}, …` : names.join(", ");
      throw new AppError(
        "FORBIDDEN",
        `${registry.name} holds servers an administrator added (${listed}): only an administrator can grant it to more people.`,
      );
    }
    let data: Prisma.RegistrySubjectUncheckedCreateInput;
    let label: string;
    let detail: Record<string, string>;
    if (subject.kind === "USER") {
      const user = await tx.user.findUnique({
        where: { id: subject.userId },
        select: { id: true, email: true, name: true, status: true },
      });
      if (!user)
        throw new AppError("NOT_FOUND", "This user does not exist (any more).", {
          details: { field: "userId" },
        });
      if (user.status !== "ACTIVE") {
        throw new AppError(
          "BAD_REQUEST",
          `${user.email} is deactivated; reactivate them before granting access.`,
          {
            details: { field: "userId" },
          },
        );
      }
      data = { registryId: registry.id, kind: "USER", userId: user.id };
      label = user.name?.trim() || user.email;
      detail = { userId: user.id, email: user.email };
    } else if (subject.kind === "TEAM") {
      const team = await tx.team.findUnique({
        where: { id: subject.teamId },
        select: { id: true, name: true, slug: true },
      });
      if (!team)
        throw new AppError("NOT_FOUND", "This team does not exist (any more).", {
          details: { field: "teamId" },
        });
      data = { registryId: registry.id, kind: "TEAM", teamId: team.id };
      label = team.name;
      detail = { teamId: team.id, team: team.name, teamSlug: team.slug };
    } else {
      data = { registryId: registry.id, kind: "EVERYONE" };
      label = "Everyone";
      detail = {};
    }

    const existing = await tx.registrySubject.findFirst({
      where: {
        registryId: registry.id,
        kind: data.kind,
        userId: data.userId ?? null,
        teamId: data.teamId ?? null,
      },
      select: { id: true },
    });
    if (existing) {
      throw new AppError(
        "CONFLICT",
        subject.kind === "EVERYONE"
          ? `${registry.name} is already granted to everyone.`
          : `${label} is already a subject of ${registry.name}.`,
      );
    }
    const created = await tx.registrySubject.create({ data, select: { id: true } });
    await recordAudit(tx, options.context, {
      action: "registry.subject.add",
      targetType: "registry",
      targetId: registry.id,
      metadata: {
        registry: registry.slug,
        before: null,
        after: { subjectId: created.id, kind: data.kind, label, ...detail },
      },
    });
    return registry.id;
  });
}
