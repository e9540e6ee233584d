import type { Db } from "../../db";
import { AppError } from "../../errors";
import { findVisibleServer } from "../catalog/visible-servers";
import { type ConfigField, readConfigSchema } from "../servers/config-fields";
import { CONNECTION_VERSION_SELECT, type ConnectionVersion, uniqueConnectionName } from "./connection-config";

/** A field the user fills in; `perUser` is implied, and shared values are never part of it. */
export type ConnectFormField = Omit<ConfigField, "perUser">;

export type ConnectForm = {
  server: { id: string; slug: string; name: string; description: string; iconUrl: string | null };
  version: {
    id: string;
    version: string;
    transport: "STREAMABLE_HTTP" | "SSE" | "STDIO";
    upstreamAuth: "NONE" | "STATIC_HEADER" | "OAUTH";
  };
  fields: ConnectFormField[];
  /** the default connection name, unique among this user's connections */
  suggestedName: string;
};

export function perUserFormFields(fields: readonly ConfigField[]): ConnectFormField[] {
  return fields.filter((field) => field.perUser).map(({ perUser: _perUser, ...field }) => field);
}

export function serverNotConnectable(): AppError {
  return new AppError("NOT_FOUND", "This server isn't available for you to connect.");
}

/**
 * The visible server with the version new connections use (its approved one), or NOT_FOUND: a
 * server the user cannot see and one without an approved version look the same from outside.
 */
export async function findConnectableServer(options: { db: Db; userId: string; slug: string }) {
  const visible = await findVisibleServer(options);
  if (!visible) throw serverNotConnectable();
  const server = await options.db.server.findUnique({
    where: { id: visible.serverId },
    select: {
      id: true,
      slug: true,
      name: true,
      description: true,
      iconUrl: true,
      approvedVersion: { select: CONNECTION_VERSION_SELECT },
    },
  });
  if (!server?.approvedVersion) throw serverNotConnectable();
  const { approvedVersion, ...rest } = server;
  return { server: rest, version: approvedVersion satisfies ConnectionVersion };
}

export async function getConnectForm(options: {
  db: Db;
  userId: string;
  slug: string;
}): Promise<ConnectForm> {
  const { server, version } = await findConnectableServer(options);
  return {
    server,
    version: {
      id: version.id,
      version: version.version,
      transport: version.transport,
      upstreamAuth: version.upstreamAuth,
    },
    fields: perUserFormFields(readConfigSchema(version.configSchema)),
    suggestedName: await uniqueConnectionName(options.db, options.userId, server.name),
  };
}
