import type { Db } from "../../db";
import { findVisibleServer } from "../catalog/visible-servers";
import { openSecrets, readConfigSchema, secretContext } from "../servers/config-fields";
import {
  connectionNotFound,
  isConnectionId,
  missingPerUserFields,
  readStoredValues,
} from "./connection-config";
import { CONNECTION_ROW_SELECT, type ConnectionRow, toConnectionRow } from "./connection-row";
import { type ConnectFormField, perUserFormFields } from "./get-connect-form";

/** A field with what the user stored: plain values as they are, secrets only as set or not. */
export type ConnectionField = ConnectFormField &
  ({ secret: false; value: string | null } | { secret: true; value: { set: boolean } });

export type ConnectionDetail = ConnectionRow & {
  transport: "STREAMABLE_HTTP" | "SSE" | "STDIO";
  upstreamAuth: "NONE" | "STATIC_HEADER" | "OAUTH";
  fields: ConnectionField[];
  /** required fields (by name) that still need a value */
  missingFields: string[];
};

/** One of the user's own connections; anyone else's, or a malformed id, is NOT_FOUND (X6). */
export async function getMyConnection(options: {
  db: Db;
  userId: string;
  connectionId: string;
}): Promise<ConnectionDetail> {
  if (!isConnectionId(options.connectionId)) throw connectionNotFound();
  const row = await options.db.connection.findFirst({
    where: { id: options.connectionId, userId: options.userId },
    select: {
      ...CONNECTION_ROW_SELECT,
      config: true,
      secrets: true,
      serverVersion: {
        select: { id: true, version: true, transport: true, upstreamAuth: true, configSchema: true },
      },
    },
  });
  if (!row) throw connectionNotFound();
  const visible = await findVisibleServer({ db: options.db, userId: options.userId, slug: row.server.slug });
  const fields = readConfigSchema(row.serverVersion.configSchema);
  const plain = readStoredValues(row.config);
  // Opened only to learn which secrets are set; the values never leave this function.
  const secretNames = new Set(Object.keys(openSecrets(row.secrets, secretContext.connection(row.id))));

  return {
    ...toConnectionRow(row, new Set(visible ? [visible.serverId] : [])),
    transport: row.serverVersion.transport,
    upstreamAuth: row.serverVersion.upstreamAuth,
    fields: perUserFormFields(fields).map(
      (field): ConnectionField =>
        field.secret
          ? { ...field, secret: true, value: { set: secretNames.has(field.name) } }
          : {
              ...field,
              secret: false,
              value: Object.hasOwn(plain, field.name) ? (plain[field.name] ?? null) : null,
            },
    ),
    missingFields: missingPerUserFields(fields, {
      ...plain,
      ...Object.fromEntries([...secretNames].map((name) => [name, ""])),
    }),
  };
}
