import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import type { Resolver } from "../../security/outbound-url";
import { bumpUserAccessEpochs } from "../access/access-epochs";
import { findVisibleServer } from "../catalog/visible-servers";
import {
  type ConfigField,
  type ConfigValues,
  openSecrets,
  readConfigSchema,
  sealSecrets,
  secretContext,
} from "../servers/config-fields";
import {
  assertUpstreamReachable,
  CONNECTION_VERSION_SELECT,
  type ConnectionStatus,
  connectionNotFound,
  connectionStatus,
  isConnectionId,
  missingPerUserFields,
  readStoredValues,
  sharedValuesOf,
} from "./connection-config";

export type MovedConnection = {
  id: string;
  status: ConnectionStatus;
  version: string;
  /** values the new version has no (compatible) field for; they were dropped */
  droppedFields: string[];
  /** required fields of the new version that still need a value */
  missingFields: string[];
};

/**
 * Keeps the values that still fit: same name, same side (a secret stays a secret, a plain value
 * never becomes one or the reverse), and still one of the field's choices.
 */
function carryOver(fields: readonly ConfigField[], values: ConfigValues, secret: boolean) {
  const byName = new Map(fields.filter((f) => f.perUser && f.secret === secret).map((f) => [f.name, f]));
  const kept: ConfigValues = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const field = byName.get(name);
    if (field && (field.choices === null || field.choices.includes(value))) kept[name] = value;
    else dropped.push(name);
  }
  return { kept, dropped };
}

/**
 * Moves a connection to its server's approved version (connections stay on the version they were
 * made with until their owner moves them). Values are re-validated against the new fields; if
 * required ones are missing the connection needs configuration before it can be used.
 */
export async function moveConnectionToLatest(options: {
  db: Db;
  userId: string;
  connectionId: string;
  context: AuditContext;
  resolver?: Resolver;
}): Promise<MovedConnection> {
  const { db, userId } = options;
  if (!isConnectionId(options.connectionId)) throw connectionNotFound();
  const connection = await db.connection.findFirst({
    where: { id: options.connectionId, userId },
    select: {
      id: true,
      serverId: true,
      config: true,
      secrets: true,
      status: true,
      serverVersion: { select: { id: true, version: true } },
      server: { select: { slug: true, approvedVersion: { select: CONNECTION_VERSION_SELECT } } },
    },
  });
  if (!connection) throw connectionNotFound();
  if (!(await findVisibleServer({ db, userId, slug: connection.server.slug }))) {
    throw new AppError(
      "CONFLICT",
      "This server is no longer available to you, so the connection cannot move.",
    );
  }
  const target = connection.server.approvedVersion;
  if (!target || target.id === connection.serverVersion.id) {
    throw new AppError("CONFLICT", "This connection already uses the server's approved version.");
  }

  const fields = readConfigSchema(target.configSchema);
  const context = secretContext.connection(connection.id);
  const plain = carryOver(fields, readStoredValues(connection.config), false);
  const secrets = carryOver(fields, openSecrets(connection.secrets, context), true);
  const perUser = { ...plain.kept, ...secrets.kept };
  const shared = sharedValuesOf(target, fields);
  await assertUpstreamReachable({ db, version: target, fields, perUser, shared, resolver: options.resolver });
  const status = connectionStatus({ fields, perUser, shared, upstreamAuth: target.upstreamAuth });
  const droppedFields = [...plain.dropped, ...secrets.dropped].sort();
  const missingFields = missingPerUserFields(fields, perUser);

  const committed = await db.$transaction(async (tx) => {
    const updated = await tx.connection.updateMany({
      // Only from the version we read: a concurrent move makes this one a no-op, not a double move.
      where: { id: connection.id, userId, serverVersionId: connection.serverVersion.id },
      data: {
        serverVersionId: target.id,
        config: plain.kept,
        secrets: sealSecrets(secrets.kept, context),
        status,
      },
    });
    if (updated.count === 0)
      throw new AppError("CONFLICT", "This connection changed meanwhile. Reload and try again.");
    await recordAudit(tx, options.context, {
      action: "connection.move_version",
      targetType: "connection",
      targetId: connection.id,
      serverId: connection.serverId,
      connectionId: connection.id,
      metadata: {
        before: {
          serverVersionId: connection.serverVersion.id,
          version: connection.serverVersion.version,
          status: connection.status,
        },
        after: { serverVersionId: target.id, version: target.version, status },
        droppedFields,
        missingFields,
      },
    });
    return { id: connection.id, status, version: target.version, droppedFields, missingFields };
  });
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpUserAccessEpochs(userId);
  return committed;
}
