import { registryNotFound, registryPreflight } from "@/server/services/registry-api/route-handler";

/** Any other path under /v0.1 is a JSON 404 (the preflight still succeeds so browsers can read it). */
export {
  registryNotFound as DELETE,
  registryNotFound as GET,
  registryNotFound as PATCH,
  registryNotFound as POST,
  registryNotFound as PUT,
  registryPreflight as OPTIONS,
};
