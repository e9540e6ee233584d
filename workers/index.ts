import { hostname } from "node:os";
import { Worker } from "bullmq";
import { disconnectDb } from "@/server/db";
import { ConfigError, env } from "@/server/env";
import { logger } from "@/server/logger";
import { HEARTBEAT_INTERVAL_MS, writeHeartbeat } from "@/server/queue/heartbeat";
import { bullPrefix, closeQueues, getQueue, HEALTH_SCHEDULER_ID, QUEUE_NAMES } from "@/server/queue/queues";
import { createRedis, disconnectRedis, redis } from "@/server/redis";
import { stopDiscoveries } from "@/server/services/servers/check-server-health";
import { processUpstreamHealth } from "./processors/upstream-health";

/**
 * The worker process: runs BullMQ processors beside the app (or on other machines), registers the
 * periodic jobs, and reports a heartbeat. SIGTERM/SIGINT end running discoveries (their jobs are
 * retried later), let other running jobs finish, then exit.
 */
const log = logger().child({ component: "worker" });

async function main(): Promise<void> {
  const config = env();
  const startedAt = new Date().toISOString();
  let processed = 0;

  const workers = [
    new Worker(QUEUE_NAMES.upstreamHealth, processUpstreamHealth, {
      // Workers block on Redis on purpose, so they need their own connection without a retry cap.
      connection: createRedis("worker", { maxRetriesPerRequest: null, commandTimeout: undefined }),
      prefix: bullPrefix(),
      concurrency: 4,
    }),
  ];
  for (const worker of workers) {
    worker.on("completed", () => {
      processed += 1;
    });
    worker.on("failed", (job, error) =>
      log.warn({ jobId: job?.id, name: job?.name, err: error }, "job failed"),
    );
    worker.on("error", (error) => log.error({ err: error }, "worker error"));
  }

  // Idempotent: re-running this on every start updates the schedule instead of adding another.
  await getQueue(QUEUE_NAMES.upstreamHealth).upsertJobScheduler(
    HEALTH_SCHEDULER_ID,
    { every: config.GATEHOUSE_HEALTHCHECK_INTERVAL_SECONDS * 1000 },
    { name: "check-all-servers", data: {} },
  );

  const beat = () =>
    writeHeartbeat(redis(), {
      pid: process.pid,
      hostname: hostname(),
      startedAt,
      at: new Date().toISOString(),
      processed,
    }).catch((error: unknown) => log.warn({ err: error }, "heartbeat failed"));
  await beat();
  const heartbeat = setInterval(beat, HEARTBEAT_INTERVAL_MS);

  log.info({ queues: Object.values(QUEUE_NAMES), pid: process.pid }, "worker started");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "worker stopping: waiting for running jobs");
    clearInterval(heartbeat);
    const force = setTimeout(() => {
      log.error("worker did not stop within 25 s; exiting");
      process.exit(1);
    }, 25_000);
    force.unref();
    // Closing first takes no new jobs; then the running discoveries are ended, because their stdio
    // processes lead process groups of their own and would outlive a forced exit.
    const closing = Promise.all(workers.map((worker) => worker.close()));
    await stopDiscoveries();
    await closing;
    await closeQueues();
    await disconnectRedis();
    await disconnectDb();
    log.info("worker stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    log.fatal({ err: error }, "worker failed to start");
  }
  process.exit(1);
});
