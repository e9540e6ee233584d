import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { Prisma } from "../../db/generated/client";
import { AppError } from "../../errors";
import type { Resolver } from "../../security/outbound-url";
import { bumpGlobalAccessEpoch } from "../access/access-epochs";
import { openSecrets, secretContext } from "./config-fields";
import { definitionForAudit } from "./create-server";
import { getManagedServer } from "./get-managed-server";
import { assertNotRetired, canonicalId, lockManagedServer, serverToChange } from "./server-access";
import { type ServerActor, viaOf } from "./server-actor";
import type { ManagedServerDetail } from "./server-views";
import { checkVersionDefinition, definitionColumns, type VersionDefinitionInput } from "./version-definition";

/**
 * Edits what a DRAFT or REJECTED version runs (an import's draft needs its shared values before it
 * can be submitted; a rejected one gets fixed and resubmitted). Versions that are waiting for review
 * or approved are immutable: change them with a new version. A shared secret left blank keeps its
 * stored value. The version stays in its status; submit publishes it.
 */
export async function updateVersion(options: {
  db: Db;
  actor: ServerActor;
  context: AuditContext;
  serverId: string;
  versionId: string;
  definition: VersionDefinitionInput;
  resolver?: Resolver;
}): Promise<ManagedServerDetail> {
  const { db, actor, context } = options;
  const versionId = canonicalId(options.versionId);
  const server = await serverToChange(db, actor, context, options.serverId, "server.version.update");
  assertNotRetired(server);
  const current = versionId
    ? await db.serverVersion.findFirst({ where: { id: versionId, serverId: server.id } })
    : null;
  if (!current) throw new AppError("NOT_FOUND", "This version does not exist on this server.");
  const definition = await checkVersionDefinition({
    db,
    versionId: current.id,
    definition: options.definition,
    isDraft: true,
    inheritFrom: current.sharedSecrets
      ? {
          version: current,
          secrets: openSecrets(current.sharedSecrets, secretContext.serverVersion(current.id)),
        }
      : undefined,
    resolver: options.resolver,
  });

  await db.$transaction(async (tx) => {
    const locked = await lockManagedServer(tx, actor, server.id);
    assertNotRetired(locked);
    const version = await tx.serverVersion.findUniqueOrThrow({ where: { id: current.id } });
    if (version.status !== "DRAFT" && version.status !== "REJECTED") {
      throw new AppError(
        "CONFLICT",
        `Version ${version.version} can no longer be edited (it is ${version.status.toLowerCase().replace("_", " ")}); add a new version instead.`,
      );
    }
    await tx.serverVersion.update({
      where: { id: version.id },
      data: {
        ...definitionColumns(definition),
        // What was discovered belonged to the old definition.
        capabilities: Prisma.DbNull,
        discoveredAt: null,
      },
    });
    await recordAudit(tx, context, {
      action: "server.version.update",
      targetType: "server",
      targetId: locked.id,
      serverId: locked.id,
      metadata: {
        ...viaOf(actor),
        slug: locked.slug,
        versionId: version.id,
        before: {
          transport: version.transport,
          url: version.url,
          command: version.command,
          args: version.args,
        },
        definition: definitionForAudit(version.version, definition),
      },
    });
  });
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpGlobalAccessEpoch();
  return getManagedServer({ db, actor, serverId: server.id });
}
