import type { Job } from "bullmq";
import { db } from "@/server/db";
import { logger } from "@/server/logger";
import { enqueueServerCheck, JOB_SCHEMAS, type JobName } from "@/server/queue/queues";
import { checkServerHealth, listCheckableServerIds } from "@/server/services/servers/check-server-health";

const log = logger().child({ component: "worker", queue: "upstream-health" });

/**
 * Processor for the "upstream-health" queue: validates the payload again, then calls one service.
 * "check-all-servers" fans out to the approved version of every remote server; "check-server"
 * checks one version (discovery on submit, approval, publish and refresh).
 */
export async function processUpstreamHealth(job: Job): Promise<unknown> {
  const name = job.name as JobName;
  switch (name) {
    case "check-all-servers": {
      JOB_SCHEMAS["check-all-servers"].parse(job.data);
      const ids = await listCheckableServerIds({ db: db() });
      for (const serverId of ids) await enqueueServerCheck(serverId);
      log.info({ jobId: job.id, servers: ids.length }, "queued upstream health checks");
      return { queued: ids.length };
    }
    case "check-server": {
      const { serverId, versionId } = JOB_SCHEMAS["check-server"].parse(job.data);
      const result = await checkServerHealth({ db: db(), serverId, versionId });
      log.info(
        {
          jobId: job.id,
          serverId,
          versionId: result.versionId,
          status: result.status,
          ...("latencyMs" in result && { latencyMs: result.latencyMs }),
        },
        "upstream health checked",
      );
      // The result is stored on the job for the queue dashboard; capabilities are already in the database.
      return "capabilities" in result ? { status: result.status, latencyMs: result.latencyMs } : result;
    }
    default:
      throw new Error(`unknown job ${job.name} on upstream-health`);
  }
}
