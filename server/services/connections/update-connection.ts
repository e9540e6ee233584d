import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import type { Resolver } from "../../security/outbound-url";
import { bumpUserAccessEpochs } from "../access/access-epochs";
import {
  type ConfigValues,
  checkConfigValues,
  openSecrets,
  readConfigSchema,
  sealSecrets,
  secretContext,
} from "../servers/config-fields";
import {
  assertUpstreamReachable,
  CONNECTION_VERSION_SELECT,
  type ConnectionStatus,
  changedFieldNames,
  connectionNotFound,
  connectionStatus,
  isConnectionId,
  readStoredValues,
  sharedValuesOf,
} from "./connection-config";

export type UpdatedConnection = { id: string; name: string; status: ConnectionStatus };

/**
 * Renames a connection or changes its configuration. `values` is the whole plain configuration as
 * the edit form shows it; a secret left blank keeps its stored value (the form never receives it),
 * and a secret is removed only when named in `clearSecrets`. The status is recomputed and the
 * upstream URL checked again, since URL variables may have changed.
 */
export async function updateConnection(options: {
  db: Db;
  userId: string;
  connectionId: string;
  name?: string;
  values?: Readonly<Record<string, unknown>>;
  clearSecrets?: readonly string[];
  context: AuditContext;
  resolver?: Resolver;
}): Promise<UpdatedConnection> {
  const { db, userId } = options;
  if (!isConnectionId(options.connectionId)) throw connectionNotFound();
  const connection = await db.connection.findFirst({
    where: { id: options.connectionId, userId },
    select: {
      id: true,
      serverId: true,
      name: true,
      status: true,
      config: true,
      secrets: true,
      serverVersion: { select: CONNECTION_VERSION_SELECT },
    },
  });
  if (!connection) throw connectionNotFound();
  const version = connection.serverVersion;
  const fields = readConfigSchema(version.configSchema);
  const context = secretContext.connection(connection.id);

  const secretNames = new Set(fields.filter((f) => f.perUser && f.secret).map((f) => f.name));
  const clear = new Set(options.clearSecrets ?? []);
  const notSecret = [...clear].filter((name) => !secretNames.has(name));
  if (notSecret.length > 0) {
    throw new AppError("BAD_REQUEST", "Only secret fields of this server can be cleared.", {
      details: {
        fieldErrors: Object.fromEntries(
          notSecret.map((name) => [name, ["is not a secret field of this server"]]),
        ),
      },
    });
  }

  const storedPlain = readStoredValues(connection.config);
  const storedSecrets = openSecrets(connection.secrets, context);
  const kept: ConfigValues = Object.fromEntries(
    Object.entries(storedSecrets).filter(([name]) => secretNames.has(name) && !clear.has(name)),
  );
  const checked = checkConfigValues(fields, options.values ?? storedPlain, {
    perUser: true,
    keepSecrets: new Set(Object.keys(kept)),
  });
  const plain = checked.plain;
  const secrets = { ...kept, ...checked.secret };
  const perUser = { ...plain, ...secrets };
  const shared = sharedValuesOf(version, fields);
  await assertUpstreamReachable({ db, version, fields, perUser, shared, resolver: options.resolver });
  const status = connectionStatus({ fields, perUser, shared, upstreamAuth: version.upstreamAuth });
  const name = options.name?.trim() || connection.name;

  const changedFields = changedFieldNames(storedPlain, plain);
  const changedSecrets = changedFieldNames(storedSecrets, secrets);
  if (
    name === connection.name &&
    status === connection.status &&
    changedFields.length === 0 &&
    changedSecrets.length === 0
  ) {
    return { id: connection.id, name, status };
  }

  const committed = await db.$transaction(async (tx) => {
    // Only onto the version the values were checked against: moved to another one meanwhile (another
    // tab), it would get this version's values, status and unchecked URL.
    const updated = await tx.connection.updateMany({
      where: { id: connection.id, userId, serverVersionId: version.id },
      data: { name, status, config: plain, secrets: sealSecrets(secrets, context) },
    });
    if (updated.count === 0) {
      const moved = await tx.connection.count({ where: { id: connection.id, userId } });
      // Disconnected between the read and this write: nothing to update.
      if (moved === 0) throw connectionNotFound();
      throw new AppError(
        "CONFLICT",
        "This connection moved to another version while you were editing it. Reload it and try again.",
      );
    }
    await recordAudit(tx, options.context, {
      action: "connection.update",
      targetType: "connection",
      targetId: connection.id,
      serverId: connection.serverId,
      connectionId: connection.id,
      metadata: {
        before: { name: connection.name, status: connection.status },
        after: { name, status },
        changedFields,
        // Names of secret fields replaced or cleared; their values never reach the audit log.
        changedSecrets,
        clearedSecrets: changedSecrets.filter((field) => !(field in secrets)),
      },
    });
    return { id: connection.id, name, status };
  });
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpUserAccessEpochs(userId);
  return committed;
}
