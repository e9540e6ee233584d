import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { bumpGlobalAccessEpoch } from "../access/access-epochs";
import { isUniqueViolation } from "./create-server";
import { getManagedServer } from "./get-managed-server";
import { assertNotRetired, lockManagedServer, serverToChange } from "./server-access";
import { type ServerActor, viaOf } from "./server-actor";
import {
  assertSlugAvailable,
  checkServerMetadataPatch,
  type ServerMetadata,
  type ServerMetadataInput,
  slugTaken,
} from "./server-metadata";
import type { ManagedServerDetail } from "./server-views";

/**
 * Edits a catalog entry's metadata (owner, or server.manage_all; anyone else gets NOT_FOUND; an owner
 * without the scope's permission any more gets FORBIDDEN).
 * Fields left out stay as they are; null or "" clears an optional one. What a server runs changes
 * only through a new version, which goes through approval where the scope needs it.
 */
export async function updateServer(options: {
  db: Db;
  actor: ServerActor;
  context: AuditContext;
  serverId: string;
  patch: Partial<ServerMetadataInput>;
}): Promise<ManagedServerDetail> {
  const { db, actor, context } = options;
  const patch = checkServerMetadataPatch(options.patch);
  // The owner must still hold the scope's permission (a Power user+ demoted to Power user no longer
  // edits the shared server everyone granted it sees), as for a new version or a submission.
  await serverToChange(db, actor, context, options.serverId, "server.update");
  const serverId = await db
    .$transaction(async (tx) => {
      const server = await lockManagedServer(tx, actor, options.serverId);
      assertNotRetired(server);
      const before: Partial<ServerMetadata> = {};
      const after: Partial<ServerMetadata> = {};
      for (const key of Object.keys(patch) as (keyof ServerMetadata)[]) {
        const next = patch[key];
        if (JSON.stringify(next) === JSON.stringify(server[key])) continue;
        Object.assign(before, { [key]: server[key] });
        Object.assign(after, { [key]: next });
      }
      if (Object.keys(after).length === 0) return server.id;
      if (after.slug !== undefined) await assertSlugAvailable(tx, after.slug, server.id);
      await tx.server.update({ where: { id: server.id }, data: after });
      await recordAudit(tx, options.context, {
        action: "server.update",
        targetType: "server",
        targetId: server.id,
        serverId: server.id,
        metadata: { ...viaOf(actor), slug: server.slug, before, after },
      });
      return server.id;
    })
    .catch((error: unknown) => {
      throw isUniqueViolation(error, "slug") && patch.slug ? slugTaken(patch.slug) : error;
    });
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpGlobalAccessEpoch();
  return getManagedServer({ db, actor, serverId });
}
