import type { Db, Prisma } from "../../db";
import { AppError } from "../../errors";
import type { RegistryCaller } from "./authenticate-caller";
import {
  CATALOG_VERSION_SELECT,
  type CatalogServer,
  type CatalogVersion,
  findCatalogServer,
  loadCallerCatalog,
  loadCallerConnections,
} from "./caller-catalog";
import { buildServerEntry, type RegistryServerList, type RegistryServerResponse } from "./server-entry";
import { namespaceFromPublicUrl } from "./server-names";

/**
 * `GET /v0.1/servers/{serverName}/versions` and `…/versions/{version|latest}`. The versions of a
 * server are the ones that were approved: the current approved version (latest, "active") and the
 * earlier approved ones ("deprecated"). Drafts, pending, rejected and retired versions never show.
 * A server the caller may not discover is a 404 exactly like one that does not exist.
 */
const NOT_FOUND = "Server not found.";

export function approvedVersionsWhere(server: Pick<CatalogServer, "approvedVersionId">) {
  return {
    OR: [{ status: "APPROVED" }, { id: server.approvedVersionId }],
  } satisfies Prisma.ServerVersionWhereInput;
}

function publishedAt(version: CatalogVersion): number {
  return (version.reviewedAt ?? version.createdAt).getTime();
}

async function findServer(options: {
  db: Db;
  caller: RegistryCaller;
  name: string;
  publicUrl: string;
}): Promise<CatalogServer> {
  const servers = await loadCallerCatalog({
    db: options.db,
    caller: options.caller,
    namespace: namespaceFromPublicUrl(options.publicUrl),
  });
  const server = findCatalogServer(servers, options.name);
  if (server === null) throw new AppError("NOT_FOUND", NOT_FOUND);
  return server;
}

export async function listRegistryServerVersions(options: {
  db: Db;
  caller: RegistryCaller;
  name: string;
  publicUrl: string;
}): Promise<RegistryServerList> {
  const server = await findServer(options);
  const versions = await options.db.serverVersion.findMany({
    where: { serverId: server.id, ...approvedVersionsWhere(server) },
    select: CATALOG_VERSION_SELECT,
  });
  // Newest first, as the official registry orders them; the approved one leads regardless.
  versions.sort(
    (a, b) =>
      Number(b.id === server.approvedVersionId) - Number(a.id === server.approvedVersionId) ||
      publishedAt(b) - publishedAt(a),
  );
  const connections =
    (await loadCallerConnections(options.db, options.caller, [server])).get(server.id) ?? [];
  const entries = versions.map((version) =>
    buildServerEntry({ server, version, connections, publicUrl: options.publicUrl }),
  );
  return { servers: entries, metadata: { count: entries.length } };
}

export async function getRegistryServerVersion(options: {
  db: Db;
  caller: RegistryCaller;
  name: string;
  version: string;
  publicUrl: string;
}): Promise<RegistryServerResponse> {
  const server = await findServer(options);
  const version =
    options.version === "latest"
      ? server.approvedVersion
      : await options.db.serverVersion.findFirst({
          where: { serverId: server.id, version: options.version, ...approvedVersionsWhere(server) },
          select: CATALOG_VERSION_SELECT,
        });
  if (version === null) throw new AppError("NOT_FOUND", "Server version not found.");
  const connections =
    (await loadCallerConnections(options.db, options.caller, [server])).get(server.id) ?? [];
  return buildServerEntry({ server, version, connections, publicUrl: options.publicUrl });
}
