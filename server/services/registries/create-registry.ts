import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { Prisma } from "../../db/generated/client";
import { AppError } from "../../errors";
import { slugify } from "../teams/create-team";
import {
  assertMayManageRegistries,
  canonicalRegistrySlug,
  mayManageAll,
  REGISTRY_ROW_SELECT,
  type RegistryActor,
  type RegistryRow,
  toRegistryRow,
} from "./registry-row";

/** The slug a new registry called `name` is offered in the create dialog. */
export function suggestRegistrySlug(name: string): string {
  return slugify(name).replace(/^team$/, "registry");
}

function slugTaken(slug: string): AppError {
  return new AppError("CONFLICT", `The slug "${slug}" is taken by another registry. Choose another one.`, {
    details: { field: "slug" },
  });
}

/**
 * Creates an empty registry owned by its creator (or, for Admins and the CLI operator, by
 * `ownerId`). It grants nothing until subjects and servers are added.
 */
export async function createRegistry(options: {
  db: Db;
  actor: RegistryActor;
  name: string;
  slug: string;
  description?: string | null;
  /** defaults to the actor; only registry.manage_all may name someone else */
  ownerId?: string;
  context: AuditContext;
}): Promise<RegistryRow> {
  assertMayManageRegistries(options.actor);
  const name = options.name.trim();
  if (!name) throw new AppError("BAD_REQUEST", "Enter a registry name.", { details: { field: "name" } });
  const slug = canonicalRegistrySlug(options.slug);
  if (slug === null) {
    throw new AppError(
      "BAD_REQUEST",
      "A slug is 1 to 63 lowercase letters, digits and dashes, starting with a letter or digit.",
      { details: { field: "slug" } },
    );
  }
  const ownerId = options.ownerId ?? options.actor.id;
  if (ownerId !== options.actor.id && !mayManageAll(options.actor)) {
    throw new AppError("FORBIDDEN", "Only administrators create registries on someone else's behalf.");
  }

  try {
    const registryId = await options.db.$transaction(async (tx) => {
      const owner = await tx.user.findUnique({
        where: { id: ownerId },
        select: { status: true, email: true },
      });
      if (!owner)
        throw new AppError("NOT_FOUND", "The registry's owner does not exist.", {
          details: { field: "ownerId" },
        });
      if (owner.status !== "ACTIVE") {
        throw new AppError("BAD_REQUEST", `${owner.email} is deactivated and cannot own a registry.`, {
          details: { field: "ownerId" },
        });
      }
      if (await tx.registry.findUnique({ where: { slug }, select: { id: true } })) throw slugTaken(slug);
      const registry = await tx.registry.create({
        data: { slug, name, description: options.description?.trim() ?? "", ownerId },
      });
      await recordAudit(tx, options.context, {
        action: "registry.create",
        targetType: "registry",
        targetId: registry.id,
        metadata: {
          after: {
            slug: registry.slug,
            name: registry.name,
            description: registry.description,
            ownerId,
            ownerEmail: owner.email,
          },
        },
      });
      return registry.id;
    });
    // Read after the commit: see changeRegistry.
    return toRegistryRow(
      await options.db.registry.findUniqueOrThrow({ where: { id: registryId }, select: REGISTRY_ROW_SELECT }),
    );
  } catch (error) {
    // Two creations with one slug at once: the check passed for both, the unique index decides.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")
      throw slugTaken(slug);
    throw error;
  }
}
