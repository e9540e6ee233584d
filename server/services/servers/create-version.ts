import { randomUUID } from "node:crypto";
import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import type { Resolver } from "../../security/outbound-url";
import { bumpGlobalAccessEpoch } from "../access/access-epochs";
import { openSecrets, secretContext } from "./config-fields";
import { definitionForAudit, isUniqueViolation, type PublishIntent } from "./create-server";
import { getManagedServer } from "./get-managed-server";
import { isDiscoveredOnSave, publishVersion } from "./publish-version";
import { requestDiscovery } from "./request-discovery";
import {
  assertNotRetired,
  canManage,
  canonicalId,
  lockManagedServer,
  SCOPE_PERMISSION,
  serverNotFound,
} from "./server-access";
import { assertActorCan, type ServerActor, viaOf } from "./server-actor";
import type { ManagedServerDetail } from "./server-views";
import {
  checkVersionDefinition,
  checkVersionString,
  definitionColumns,
  type VersionDefinitionInput,
} from "./version-definition";

function versionTaken(version: string): AppError {
  return new AppError("CONFLICT", `Version ${version} already exists for this server; use a new version.`, {
    details: { fieldErrors: { version: [`${version} already exists.`] } },
  });
}

/**
 * Adds a version to a catalog entry. Published (the default): on a personal server, or by an admin,
 * it is approved at once and connections move to it; on a shared server by anyone else it waits for
 * review and the approved version keeps serving until then. A shared secret left blank keeps the
 * value of the newest earlier version (re-sealed to the new row).
 */
export async function createVersion(options: {
  db: Db;
  actor: ServerActor;
  context: AuditContext;
  serverId: string;
  version: string;
  definition: VersionDefinitionInput;
  intent?: PublishIntent;
  resolver?: Resolver;
}): Promise<ManagedServerDetail> {
  const { db, actor, context } = options;
  const intent = options.intent ?? "publish";
  const id = canonicalId(options.serverId);
  const current = id
    ? await db.server.findUnique({
        where: { id },
        include: { versions: { orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1 } },
      })
    : null;
  if (!current || !canManage(actor, current)) throw serverNotFound();
  assertNotRetired(current);
  await assertActorCan(db, actor, SCOPE_PERMISSION[current.scope], context, {
    action: "server.version.create",
    targetType: "server",
    targetId: current.id,
    serverId: current.id,
  });
  const version = checkVersionString(options.version);
  const previous = current.versions[0];
  const inheritFrom = previous?.sharedSecrets
    ? {
        version: previous,
        secrets: openSecrets(previous.sharedSecrets, secretContext.serverVersion(previous.id)),
      }
    : undefined;

  const versionId = randomUUID();
  const definition = await checkVersionDefinition({
    db,
    versionId,
    definition: options.definition,
    isDraft: intent === "draft",
    inheritFrom,
    resolver: options.resolver,
  });

  const status = await db
    .$transaction(async (tx) => {
      const server = await lockManagedServer(tx, actor, current.id);
      assertNotRetired(server);
      const clash = await tx.serverVersion.findUnique({
        where: { serverId_version: { serverId: server.id, version } },
        select: { id: true },
      });
      if (clash) throw versionTaken(version);
      await tx.serverVersion.create({
        data: {
          id: versionId,
          serverId: server.id,
          version,
          ...definitionColumns(definition),
          status: "DRAFT",
          createdById: actor.userId,
        },
      });
      const outcome =
        intent === "publish"
          ? await publishVersion(tx, { server, versionId, actor, context, now: new Date() })
          : "DRAFT";
      await recordAudit(tx, context, {
        action: "server.version.create",
        targetType: "server",
        targetId: server.id,
        serverId: server.id,
        metadata: {
          ...viaOf(actor),
          slug: server.slug,
          versionId,
          status: outcome,
          previousApprovedVersionId: server.approvedVersionId,
          definition: definitionForAudit(version, definition),
        },
      });
      return outcome;
    })
    .catch((error: unknown) => {
      throw isUniqueViolation(error, "version") ? versionTaken(version) : error;
    });
  if (isDiscoveredOnSave(definition.transport, status)) await requestDiscovery(current.id, versionId);
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpGlobalAccessEpoch();
  return getManagedServer({ db, actor, serverId: current.id });
}
