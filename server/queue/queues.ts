import { type JobsOptions, Queue, type QueueOptions } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { env } from "../env";
import { createRedis, ensureRedisReady } from "../redis";

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
  /**
   * connect to one server's upstream and cache its tools/prompts/resources on the version; without
   * `versionId` the approved version (and the server's health); with it that version (discovery of
   * a version waiting for review, or just approved)
   */
  "check-server": z.object({ serverId: z.uuid(), versionId: z.uuid().optional() }).strict(),
} as const;

export type JobName = keyof typeof JOB_SCHEMAS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOB_SCHEMAS)[N]>;

export const HEALTH_SCHEDULER_ID = "check-all-servers-periodically";

/** Every BullMQ key lives under REDIS_KEY_PREFIX, like the rest of Gatehouse's keys. */
export function bullPrefix(): string {
  return `${env().REDIS_KEY_PREFIX}bull`;
}

const GLOBAL_KEY = Symbol.for("gatehouse.queues");
type QueueHandle = { queue: Queue; connection: Redis };
type GlobalWithQueues = typeof globalThis & { [GLOBAL_KEY]?: Map<QueueName, QueueHandle> };

function queueOptions(connection: Redis): QueueOptions {
  return {
    connection,
    prefix: bullPrefix(),
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: "exponential", delay: 2_000 },
      removeOnComplete: { count: 500, age: 24 * 3600 },
      removeOnFail: { count: 1000, age: 7 * 24 * 3600 },
    },
  };
}

function queueHandle(name: QueueName): QueueHandle {
  const holder = globalThis as GlobalWithQueues;
  holder[GLOBAL_KEY] ??= new Map();
  let handle = holder[GLOBAL_KEY].get(name);
  if (!handle) {
    const connection = createRedis("queue-producer");
    handle = { queue: new Queue(name, queueOptions(connection)), connection };
    holder[GLOBAL_KEY].set(name, handle);
  }
  return handle;
}

export function getQueue(name: QueueName): Queue {
  return queueHandle(name).queue;
}

export async function closeQueues(): Promise<void> {
  const holder = globalThis as GlobalWithQueues;
  const handles = [...(holder[GLOBAL_KEY]?.values() ?? [])];
  holder[GLOBAL_KEY] = undefined;
  await Promise.all(handles.map(({ queue }) => queue.close()));
  // BullMQ leaves a connection it was handed open; a CLI run would otherwise never exit.
  await Promise.all(
    handles.map(async ({ connection }) => {
      if (connection.status === "ready") await connection.quit().catch(() => connection.disconnect());
      else connection.disconnect();
    }),
  );
}

/**
 * The one way jobs are enqueued: the payload is validated against its schema, and while Redis is
 * down the caller gets UNAVAILABLE at once instead of a job buffered in memory (or a hung request).
 */
export async function enqueue<N extends JobName>(
  queueName: QueueName,
  name: N,
  payload: JobPayload<N>,
  options?: JobsOptions,
): Promise<void> {
  const { queue, connection } = queueHandle(queueName);
  const data = JOB_SCHEMAS[name].parse(payload);
  await ensureRedisReady(connection);
  await queue.add(name, data, options);
}

/**
 * Ask the worker to check one server now: its approved version, or `versionId`. Deduplicated while
 * a check of the same version is still waiting or running.
 */
export function enqueueServerCheck(serverId: string, versionId?: string): Promise<void> {
  return enqueue(
    QUEUE_NAMES.upstreamHealth,
    "check-server",
    versionId === undefined ? { serverId } : { serverId, versionId },
    {
      deduplication: { id: `check-server:${serverId}:${versionId ?? "approved"}` },
    },
  );
}

export function enqueueAllServerChecks(): Promise<void> {
  return enqueue(
    QUEUE_NAMES.upstreamHealth,
    "check-all-servers",
    {},
    { deduplication: { id: "check-all-servers" } },
  );
}
