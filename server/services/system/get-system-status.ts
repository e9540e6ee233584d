import type { Redis } from "ioredis";
import type { Db } from "../../db";
import { logger } from "../../logger";
import { checkDatabase, checkRedis, type DependencyCheck } from "../../ops/readiness";
import { HEARTBEAT_TTL_SECONDS, readHeartbeat, type WorkerHeartbeat } from "../../queue/heartbeat";
import { getQueue, QUEUE_NAMES } from "../../queue/queues";

export type QueueCounts = {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
};

export type SystemStatus = {
  database: DependencyCheck;
  redis: DependencyCheck;
  worker: { ok: boolean; heartbeat: WorkerHeartbeat | null };
  queues: QueueCounts[];
  /** why queue counts could not be read (Redis answered PING but BullMQ failed) */
  queuesError?: string;
  checkedAt: string;
};

async function queueCounts(): Promise<QueueCounts[]> {
  return Promise.all(
    Object.values(QUEUE_NAMES).map(async (name) => {
      const counts = await getQueue(name).getJobCounts("waiting", "active", "delayed", "completed", "failed");
      return {
        name,
        waiting: counts.waiting ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        completed: counts.completed ?? 0,
        failed: counts.failed ?? 0,
      };
    }),
  );
}

/** Health of everything the app depends on, for the status page and metrics. Never throws. */
export async function getSystemStatus(options: { db: Db; redis: Redis }): Promise<SystemStatus> {
  const [database, redis] = await Promise.all([checkDatabase(options.db), checkRedis(options.redis)]);
  const heartbeat = redis.ok ? await readHeartbeat(options.redis).catch(() => null) : null;
  const isFresh =
    heartbeat !== null && Date.now() - new Date(heartbeat.at).getTime() < HEARTBEAT_TTL_SECONDS * 1000;
  let queues: QueueCounts[] = [];
  let queuesError: string | undefined;
  if (redis.ok) {
    try {
      queues = await queueCounts();
    } catch (error) {
      logger().warn({ err: error }, "could not read queue counts");
      queuesError = "Queue counts could not be read; see the server log.";
    }
  } else {
    queuesError = "Redis is unreachable.";
  }
  return {
    database,
    redis,
    worker: { ok: isFresh, heartbeat },
    queues,
    ...(queuesError && { queuesError }),
    checkedAt: new Date().toISOString(),
  };
}
