import { logger } from "../../logger";
import { enqueueServerCheck } from "../../queue/queues";

/**
 * Asks the worker to discover a version's tools, after the change that made it worth discovering
 * has committed (a job must never see a row that then rolls back). The change itself succeeded, so
 * a Redis outage only costs the early discovery: it is logged, and "refresh" (servers.refreshDiscovery)
 * or, for an approved version, the periodic check catches up.
 */
export async function requestDiscovery(serverId: string, versionId: string): Promise<boolean> {
  try {
    await enqueueServerCheck(serverId, versionId);
    return true;
  } catch (error) {
    logger().warn(
      { serverId, versionId, err: { message: error instanceof Error ? error.message : String(error) } },
      "could not queue discovery; it will run with the next periodic check or refresh",
    );
    return false;
  }
}
