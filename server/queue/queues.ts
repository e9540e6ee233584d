import { Queue, type QueueOptions } from "bullmq";
import { z } from "zod";
import { env } from "../env";
import { createRedis } from "../redis";

/**
 * Queue and job names and their payload schemas: the contract between producers (app, CLI) and
 * the worker process (workers/). Payloads are validated at enqueue and again in the processor.
 */
export const QUEUE_NAMES = {
  upstreamHealth: "upstream-health",
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export const JOB_SCHEMAS = {
  /** fan-out: enqueue one check per approved remote server (run on a schedule) */
  "check-all-servers": z.object({}).strict(),
  /** connect to one server's upstream, cache its tools/prompts/resources and health */
  "check-server": z.object({ serverId: z.uuid() }).strict(),
} as const;

export type JobName = keyof typeof JOB_SCHEMAS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOB_SCHEMAS)[N]>;

export const HEALTH_SCHEDULER_ID = "check-all-servers-periodically";

/** Every BullMQ key lives under REDIS_KEY_PREFIX, like the rest of Gatehouse's keys. */
export function bullPrefix(): string {
  return `${env().REDIS_KEY_PREFIX}bull`;
}

const GLOBAL_KEY = Symbol.for("gatehouse.queues");
type GlobalWithQueues = typeof globalThis & { [GLOBAL_KEY]?: Map<QueueName, Queue> };

export function queueOptions(): QueueOptions {
  return {
    // Producers fail fast while Redis is down instead of buffering jobs in memory.
    connection: createRedis("queue-producer", { enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
    prefix: bullPrefix(),
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: "exponential", delay: 2_000 },
      removeOnComplete: { count: 500, age: 24 * 3600 },
      removeOnFail: { count: 1000, age: 7 * 24 * 3600 },
    },
  };
}

export function getQueue(name: QueueName): Queue {
  const holder = globalThis as GlobalWithQueues;
  holder[GLOBAL_KEY] ??= new Map();
  let queue = holder[GLOBAL_KEY].get(name);
  if (!queue) {
    queue = new Queue(name, queueOptions());
    holder[GLOBAL_KEY].set(name, queue);
  }
  return queue;
}

export async function closeQueues(): Promise<void> {
  const holder = globalThis as GlobalWithQueues;
  const queues = [...(holder[GLOBAL_KEY]?.values() ?? [])];
  holder[GLOBAL_KEY] = undefined;
  await Promise.all(queues.map((queue) => queue.close()));
}

/** Ask the worker to check one server now. Deduplicated while a check of it is still waiting. */
export async function enqueueServerCheck(serverId: string): Promise<void> {
  const payload = JOB_SCHEMAS["check-server"].parse({ serverId });
  await getQueue(QUEUE_NAMES.upstreamHealth).add("check-server", payload, {
    deduplication: { id: `check-server:${serverId}` },
  });
}

export async function enqueueAllServerChecks(): Promise<void> {
  await getQueue(QUEUE_NAMES.upstreamHealth).add(
    "check-all-servers",
    {},
    { deduplication: { id: "check-all-servers" } },
  );
}
