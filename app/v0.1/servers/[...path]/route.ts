import { db } from "@/server/db";
import { AppError } from "@/server/errors";
import {
  registryApiRoute,
  registryMethodNotAllowed,
  registryPreflight,
} from "@/server/services/registry-api/route-handler";
import { parseServerPath } from "@/server/services/registry-api/server-names";
import {
  getRegistryServerVersion,
  listRegistryServerVersions,
} from "@/server/services/registry-api/server-versions";

/**
 * MCP Registry API v0.1: `/servers/{serverName}/versions` and `/servers/{serverName}/versions/{version}`.
 * The name is read from the raw path (it is URL-encoded and contains a slash), not from params.
 */
export const dynamic = "force-dynamic";

export const GET = registryApiRoute(async ({ url, caller, publicUrl }) => {
  const target = parseServerPath(url.pathname);
  if (target === null) throw new AppError("NOT_FOUND", "Server not found.");
  const options = { db: db(), caller, name: target.name, publicUrl };
  return target.version === null
    ? listRegistryServerVersions(options)
    : getRegistryServerVersion({ ...options, version: target.version });
});

export {
  registryMethodNotAllowed as DELETE,
  registryMethodNotAllowed as PATCH,
  registryMethodNotAllowed as POST,
  registryMethodNotAllowed as PUT,
  registryPreflight as OPTIONS,
};
