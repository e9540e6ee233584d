import type { Redis } from "ioredis";
import type { Db } from "../../db";
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
  const queues = redis.ok ? await queueCounts().catch(() => []) : [];
  return { database, redis, worker: { ok: isFresh, heartbeat }, queues, checkedAt: new Date().toISOString() };
}
