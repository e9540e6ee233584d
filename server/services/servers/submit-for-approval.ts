import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import { bumpGlobalAccessEpoch } from "../access/access-epochs";
import { readConfigSchema } from "./config-fields";
import { getManagedServer } from "./get-managed-server";
import { isDiscoveredOnSave, publishVersion } from "./publish-version";
import { requestDiscovery } from "./request-discovery";
import { assertNotRetired, canonicalId, lockManagedServer, serverToChange } from "./server-access";
import { type ServerActor, viaOf } from "./server-actor";
import { type ManagedServerDetail, sharedSecretNames } from "./server-views";
import {
  assertSecretStaysWithHost,
  assertSharedValuesComplete,
  readSharedConfig,
} from "./version-definition";

const STATUS_WORDS = {
  PENDING_APPROVAL: "is already waiting for review",
  APPROVED: "is already approved",
  RETIRED: "is retired",
} as const;

/**
 * Publishes a draft or rejected version (`versionId`, or the newest such version): a shared one by
 * a non-admin goes to the review queue (and its tools are discovered for the reviewer); a personal
 * one, or one submitted by an admin, is approved at once. Publishing needs every required shared
 * value to be set.
 */
export async function submitForApproval(options: {
  db: Db;
  actor: ServerActor;
  context: AuditContext;
  serverId: string;
  versionId?: string;
}): Promise<ManagedServerDetail> {
  const { db, actor, context } = options;
  const current = await serverToChange(db, actor, context, options.serverId, "server.submit");
  const result = await db.$transaction(async (tx) => {
    const server = await lockManagedServer(tx, actor, current.id);
    assertNotRetired(server);
    const versionId = options.versionId === undefined ? undefined : canonicalId(options.versionId);
    const version =
      options.versionId === undefined
        ? await tx.serverVersion.findFirst({
            where: { serverId: server.id, status: { in: ["DRAFT", "REJECTED"] } },
            orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          })
        : versionId
          ? await tx.serverVersion.findFirst({ where: { id: versionId, serverId: server.id } })
          : null;
    if (!version) {
      throw options.versionId === undefined
        ? new AppError("CONFLICT", "There is no draft or rejected version to submit.")
        : new AppError("NOT_FOUND", "This version does not exist on this server.");
    }
    if (version.status !== "DRAFT" && version.status !== "REJECTED")
      throw new AppError("CONFLICT", `Version ${version.version} ${STATUS_WORDS[version.status]}.`);
    const fields = readConfigSchema(version.configSchema);
    assertSecretStaysWithHost(version.transport, version.url, fields);
    assertSharedValuesComplete(fields, readSharedConfig(version.sharedConfig), sharedSecretNames(version));
    const status = await publishVersion(tx, {
      server,
      versionId: version.id,
      actor,
      context,
      now: new Date(),
    });
    await recordAudit(tx, context, {
      action: "server.submit",
      targetType: "server",
      targetId: server.id,
      serverId: server.id,
      metadata: {
        ...viaOf(actor),
        slug: server.slug,
        versionId: version.id,
        version: version.version,
        before: { status: version.status },
        after: { status },
      },
    });
    return {
      serverId: server.id,
      versionId: version.id,
      isDiscovered: isDiscoveredOnSave(version.transport, status),
    };
  });
  if (result.isDiscovered) await requestDiscovery(result.serverId, result.versionId);
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpGlobalAccessEpoch();
  return getManagedServer({ db, actor, serverId: result.serverId });
}
