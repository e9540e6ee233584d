import { db } from "@/server/db";
import { listRegistryServers } from "@/server/services/registry-api/list-servers";
import {
  registryApiRoute,
  registryMethodNotAllowed,
  registryPreflight,
} from "@/server/services/registry-api/route-handler";

/** MCP Registry API v0.1: the servers the caller may discover (see server/services/registry-api). */
export const dynamic = "force-dynamic";

export const GET = registryApiRoute(({ url, caller, publicUrl }) =>
  listRegistryServers({ db: db(), caller, query: url.searchParams, publicUrl }),
);

export {
  registryMethodNotAllowed as DELETE,
  registryMethodNotAllowed as PATCH,
  registryMethodNotAllowed as POST,
  registryMethodNotAllowed as PUT,
  registryPreflight as OPTIONS,
};
