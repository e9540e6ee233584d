import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, createUser } from "@/prisma/seed/factories";
import { createDb, type Db } from "@/server/db";
import { migrate } from "@/server/db/migrate";
import { QUEUE_NAMES } from "@/server/queue/queues";
import { COMMAND_TEMPLATES_SETTING } from "@/server/services/settings/command-templates";
import { SILENT_SCRIPT, SILENT_TEMPLATE } from "../fixtures/stalled-stdio";
import { ROOT } from "./helpers/gatehouse-process";
import { isAlive, waitUntil } from "./helpers/polling";
import {
  createDatabase,
  deleteRedisKeys,
  dropDatabase,
  randomRedisPrefix,
  TEST_REDIS_URL,
} from "./helpers/test-database";

/**
 * The worker process as `npm start` runs it (workers/index.ts), told to stop while a stdio
 * discovery is running: the discovery's process group is killed before the worker exits, because
 * those processes lead groups of their own and would outlive it, and nothing is recorded for the
 * check. It runs against a database and Redis prefix of its own, so the stdio template it needs
 * and the jobs it takes touch no other test.
 */
const tsx = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");
const redisKeyPrefix = randomRedisPrefix("worker-stop");
let database: { name: string; url: string };
let workerDb: Db;
let queueConnection: Redis;
let queue: Queue;
let worker: ChildProcess | undefined;
let output = "";
/** stdio processes the worker started, killed afterwards should the worker have left any */
let started: number[] = [];

beforeAll(async () => {
  database = await createDatabase("gatehouse_worker_stop");
  await migrate(database.url);
  workerDb = createDb(database.url, { max: 2 });
  await workerDb.setting.create({ data: { key: COMMAND_TEMPLATES_SETTING, value: [SILENT_TEMPLATE] } });
  queueConnection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(QUEUE_NAMES.upstreamHealth, {
    connection: queueConnection,
    prefix: `${redisKeyPrefix}bull`,
  });
}, 60_000);

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL");
  for (const pid of started.filter(isAlive)) process.kill(pid, "SIGKILL");
  await queue?.close();
  queueConnection?.disconnect();
  await workerDb?.$disconnect();
  if (database) await dropDatabase(database.name);
  await deleteRedisKeys(redisKeyPrefix);
});

function startWorker(): Promise<number | null> {
  const child = spawn(process.execPath, [tsx, "workers/index.ts"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: redisKeyPrefix,
      AUTH_SECRET: process.env.AUTH_SECRET,
      GATEHOUSE_ENCRYPTION_KEY: process.env.GATEHOUSE_ENCRYPTION_KEY,
      GATEHOUSE_DATA_DIR: "/nonexistent/gatehouse-data",
      LOG_LEVEL: "info",
    },
  });
  worker = child;
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8");
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** The pids of the stdio processes started for a version (each spawn is audited with its pid). */
async function spawnedPids(versionId: string): Promise<number[]> {
  const spawns = await workerDb.auditEvent.findMany({
    where: { action: "mcp.stdio.spawn", targetId: versionId },
    select: { metadata: true },
  });
  return spawns.flatMap((row) => {
    const pid = (row.metadata as { pid?: number } | null)?.pid;
    return typeof pid === "number" ? [pid] : [];
  });
}

describe("a stopping worker process", () => {
  it("kills its running stdio discovery, records nothing for it, and exits 0", async () => {
    const owner = await createUser(workerDb, { role: "ADMIN" });
    const server = await createServer(workerDb, {
      ownerId: owner.id,
      transport: "STDIO",
      command: "node",
      args: ["-e", SILENT_SCRIPT, "silent"],
    });
    const exited = startWorker();
    await waitUntil(() => output.includes('"worker started"'), 60_000).catch(() => {
      throw new Error(`the worker did not start:\n${output}`);
    });

    await queue.add("check-server", { serverId: server.id, versionId: server.versionId });
    await waitUntil(async () => (await spawnedPids(server.versionId)).length > 0, 30_000).catch(async () => {
      const why = await workerDb.server.findUnique({
        where: { id: server.id },
        select: { healthError: true },
      });
      throw new Error(`no stdio process was started (${why?.healthError}):\n${output}`);
    });
    const pids = await spawnedPids(server.versionId);
    started = pids;
    expect(pids.every(isAlive)).toBe(true);

    worker?.kill("SIGTERM");
    const code = await Promise.race([
      exited,
      new Promise<"late">((resolve) => setTimeout(() => resolve("late"), 30_000)),
    ]);
    expect(code, output).toBe(0);
    expect(output).toContain('"worker stopped"');
    expect(pids.filter(isAlive)).toEqual([]);
    const stored = await workerDb.server.findUniqueOrThrow({
      where: { id: server.id },
      include: { versions: true },
    });
    expect(stored).toMatchObject({ healthStatus: "UNKNOWN", healthCheckedAt: null });
    expect(stored.versions[0]).toMatchObject({ capabilities: null, discoveredAt: null });
  }, 120_000);
});
