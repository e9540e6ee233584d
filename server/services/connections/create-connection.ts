import { randomUUID } from "node:crypto";
import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import type { Resolver } from "../../security/outbound-url";
import { bumpUserAccessEpochs } from "../access/access-epochs";
import { checkConfigValues, readConfigSchema, sealSecrets, secretContext } from "../servers/config-fields";
import {
  assertUpstreamReachable,
  type ConnectionStatus,
  connectionStatus,
  sharedValuesOf,
  uniqueConnectionName,
} from "./connection-config";
import { connectionUrl, newConnectionPublicId } from "./connection-url";
import { findConnectableServer } from "./get-connect-form";

export type CreatedConnection = { id: string; name: string; status: ConnectionStatus; url: string };

/**
 * Connects the user to a server they can see, on its approved version: their values checked
 * against the version's per-user fields (unknown names refused), secrets sealed to this row, the
 * upstream URL their values build checked by the SSRF guard, and a fresh unguessable public id.
 */
export async function createConnection(options: {
  db: Db;
  userId: string;
  slug: string;
  name?: string | null;
  values: Readonly<Record<string, unknown>>;
  context: AuditContext;
  /** DNS for the SSRF check; tests inject one */
  resolver?: Resolver;
}): Promise<CreatedConnection> {
  const { db, userId } = options;
  const { server, version } = await findConnectableServer({ db, userId, slug: options.slug });
  const fields = readConfigSchema(version.configSchema);
  const checked = checkConfigValues(fields, options.values, { perUser: true });
  const perUser = { ...checked.plain, ...checked.secret };
  const shared = sharedValuesOf(version, fields);
  await assertUpstreamReachable({ db, version, fields, perUser, shared, resolver: options.resolver });
  const status = connectionStatus({ fields, perUser, shared, upstreamAuth: version.upstreamAuth });

  // The id is chosen here so the secrets can be sealed to this very row (the AEAD context).
  const id = randomUUID();
  const publicId = newConnectionPublicId();
  const committed = await db.$transaction(async (tx) => {
    const name = options.name?.trim() || (await uniqueConnectionName(tx, userId, server.name));
    await tx.connection.create({
      data: {
        id,
        publicId,
        userId,
        serverId: server.id,
        serverVersionId: version.id,
        name,
        config: checked.plain,
        secrets: sealSecrets(checked.secret, secretContext.connection(id)),
        status,
      },
    });
    await recordAudit(tx, options.context, {
      action: "connection.create",
      targetType: "connection",
      targetId: id,
      serverId: server.id,
      connectionId: id,
      // Field names only: values (secret or not) stay out of the audit log.
      metadata: {
        name,
        status,
        serverId: server.id,
        serverSlug: server.slug,
        serverVersionId: version.id,
        version: version.version,
        fields: Object.keys(checked.plain).sort(),
        secretFields: Object.keys(checked.secret).sort(),
      },
    });
    return { id, name, status, url: connectionUrl(publicId) };
  });
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpUserAccessEpochs(userId);
  return committed;
}
