import { randomUUID } from "node:crypto";
import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db, Tx } from "../../db";
import { Prisma } from "../../db/generated/client";
import { AppError } from "../../errors";
import type { Resolver } from "../../security/outbound-url";
import { getManagedServer } from "./get-managed-server";
import { isDiscoveredOnSave, type PublishedStatus, publishVersion } from "./publish-version";
import { requestDiscovery } from "./request-discovery";
import { SCOPE_PERMISSION } from "./server-access";
import { assertActorCan, type ServerActor, viaOf } from "./server-actor";
import {
  assertSlugAvailable,
  checkServerMetadata,
  freeServerSlug,
  type ServerMetadata,
  type ServerMetadataInput,
  slugTaken,
} from "./server-metadata";
import type { ManagedServerDetail } from "./server-views";
import {
  type CheckedDefinition,
  checkVersionDefinition,
  checkVersionString,
  definitionColumns,
  type VersionDefinitionInput,
} from "./version-definition";

export type ServerScope = "PERSONAL" | "SHARED";
export type PublishIntent = "draft" | "publish";

/** The non-secret summary of a definition that audit rows carry. */
export function definitionForAudit(version: string, definition: CheckedDefinition) {
  return {
    version,
    transport: definition.transport,
    url: definition.url,
    command: definition.command,
    args: definition.args,
    upstreamAuth: definition.upstreamAuth,
    configFields: definition.configSchema.map((field) => `${field.target}:${field.name}`),
    sharedConfig: definition.sharedConfig,
    sharedSecretsSet: definition.sharedSecretNames,
  };
}

export function isUniqueViolation(error: unknown, field: string): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2002") return false;
  return JSON.stringify(error.meta ?? {}).includes(field);
}

async function resolveOwner(db: Db, actor: ServerActor, ownerId: string | undefined): Promise<string> {
  if (ownerId === undefined || ownerId === actor.userId) {
    if (actor.userId === null) throw new AppError("BAD_REQUEST", "Name the user who will own the server.");
    return actor.userId;
  }
  // Only the operator (CLI) creates servers on someone else's behalf.
  if (actor.userId !== null)
    throw new AppError("FORBIDDEN", "You can only create servers that you own yourself.");
  const owner = await db.user.findUnique({ where: { id: ownerId }, select: { status: true } });
  if (!owner) throw new AppError("NOT_FOUND", "The owner does not exist.");
  if (owner.status !== "ACTIVE") throw new AppError("BAD_REQUEST", "The owner is deactivated.");
  return ownerId;
}

/**
 * Creates a catalog entry with its first version. `intent: "draft"` saves it for later; "publish"
 * applies publishVersion's rules (personal → approved at once; shared by an admin → approved;
 * shared otherwise → waiting for review). The server, its version and the audit row commit together;
 * discovery of a published version is queued after the commit.
 */
export async function createServer(options: {
  db: Db;
  actor: ServerActor;
  context: AuditContext;
  intent: PublishIntent;
  scope: ServerScope;
  metadata: ServerMetadataInput;
  version: string;
  definition: VersionDefinitionInput;
  /** the CLI's operator names the owner; everyone else owns what they create */
  ownerId?: string;
  /** import: the document's reverse-DNS name, unique across the catalog */
  registryName?: string | null;
  /** import: take the first free slug-2, slug-3, … instead of refusing a taken slug */
  slugIfTaken?: "refuse" | "suffix";
  /** extra audit detail (e.g. where an import came from) */
  auditDetail?: Record<string, string | number | null>;
  resolver?: Resolver;
}): Promise<ManagedServerDetail> {
  const { db, actor, context } = options;
  await assertActorCan(db, actor, SCOPE_PERMISSION[options.scope], context, {
    action: "server.create",
    targetType: "server",
  });
  const ownerId = await resolveOwner(db, actor, options.ownerId);
  const metadata = checkServerMetadata(options.metadata);
  const version = checkVersionString(options.version);
  const versionId = randomUUID();
  const definition = await checkVersionDefinition({
    db,
    versionId,
    definition: options.definition,
    isDraft: options.intent === "draft",
    resolver: options.resolver,
  });

  const create = (tx: Tx) =>
    insertServer(tx, { ...options, ownerId, metadata, version, versionId, definition, now: new Date() });
  const created = await insertWithRetry(db, create, options.slugIfTaken === "suffix", () => {
    if (options.registryName) return alreadyImported(options.registryName);
    return null;
  }).catch((error: unknown) => {
    throw isUniqueViolation(error, "slug") ? slugTaken(metadata.slug) : error;
  });
  if (isDiscoveredOnSave(definition.transport, created.status))
    await requestDiscovery(created.serverId, versionId);
  return getManagedServer({ db, actor, serverId: created.serverId });
}

/** Two creations may race for a suffixed slug; the loser tries the next free one (at most 3 times). */
async function insertWithRetry<T>(
  db: Db,
  create: (tx: Tx) => Promise<T>,
  isSuffixing: boolean,
  registryConflict: () => AppError | null,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.$transaction(create);
    } catch (error) {
      if (isUniqueViolation(error, "registryName")) throw registryConflict() ?? error;
      if (isUniqueViolation(error, "slug") && isSuffixing && attempt < 3) continue;
      throw error;
    }
  }
}

function alreadyImported(registryName: string): AppError {
  return new AppError(
    "CONFLICT",
    `A server with the registry name "${registryName}" is already in the catalog; add a version to it instead.`,
  );
}

async function insertServer(
  tx: Tx,
  options: {
    actor: ServerActor;
    context: AuditContext;
    intent: PublishIntent;
    scope: ServerScope;
    ownerId: string;
    metadata: ServerMetadata;
    version: string;
    versionId: string;
    definition: CheckedDefinition;
    registryName?: string | null;
    slugIfTaken?: "refuse" | "suffix";
    auditDetail?: Record<string, string | number | null>;
    now: Date;
  },
): Promise<{ serverId: string; status: PublishedStatus | "DRAFT" }> {
  const { metadata, definition, actor } = options;
  let slug = metadata.slug;
  if (options.slugIfTaken === "suffix") slug = await freeServerSlug(tx, slug);
  else await assertSlugAvailable(tx, slug);
  if (options.registryName) {
    const existing = await tx.server.findUnique({
      where: { registryName: options.registryName },
      select: { id: true },
    });
    if (existing) throw alreadyImported(options.registryName);
  }

  const server = await tx.server.create({
    data: {
      ...metadata,
      slug,
      registryName: options.registryName ?? null,
      ownerId: options.ownerId,
      scope: options.scope,
      status: "DRAFT",
    },
  });
  await tx.serverVersion.create({
    data: {
      id: options.versionId,
      serverId: server.id,
      version: options.version,
      ...definitionColumns(definition),
      status: "DRAFT",
      createdById: actor.userId,
    },
  });
  const status =
    options.intent === "publish"
      ? await publishVersion(tx, {
          server,
          versionId: options.versionId,
          actor,
          context: options.context,
          now: options.now,
        })
      : "DRAFT";
  await recordAudit(tx, options.context, {
    action: "server.create",
    targetType: "server",
    targetId: server.id,
    serverId: server.id,
    metadata: {
      ...viaOf(actor),
      ...options.auditDetail,
      after: {
        ...metadata,
        slug,
        registryName: options.registryName ?? null,
        ownerId: options.ownerId,
        scope: options.scope,
        status,
      },
      versionId: options.versionId,
      definition: definitionForAudit(options.version, definition),
    },
  });
  return { serverId: server.id, status };
}
