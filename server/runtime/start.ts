import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { type DemoSeedResult, seedDemo } from "../../prisma/seed/demo";
import { createDb } from "../db";
import { MigrationError, migrate } from "../db/migrate";
import { bootEnv, parseEnv, processEnvWith } from "../env";
import { checkPostgres, checkRedisServer } from "../ops/preflight";
import { printBanner } from "./banner";
import { ensureBuild } from "./build";
import { APP_ENV_DEFAULTS, APP_NODE_FLAGS, type Child, nodeArgs, spawnChild } from "./children";
import { startDemoUpstreams } from "./demo-upstreams";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./embedded-postgres";
import {
  type EmbeddedRedis,
  REDIS_MISSING_MESSAGE,
  redisServerVersion,
  startEmbeddedRedis,
} from "./embedded-redis";
import { acquireLock, type Lock, type LockChild, stopLeftovers } from "./lock";
import { say, style, Timings } from "./output";
import { isPortFree, LOOPBACK } from "./ports";
import {
  ensureSecrets,
  removeRuntimeFile,
  type SecretName,
  secretsPath,
  writeOwnerPassword,
  writeRuntimeFile,
} from "./secrets";
import { messageOf, PHASES, StartupError, Supervisor } from "./supervisor";

/**
 * `npm start`: the whole product on one machine. Without DATABASE_URL it runs an embedded
 * PostgreSQL, without REDIS_URL a redis-server from PATH, both with data in the data folder;
 * then migrations, the demo, the production build (when sources changed), the demo upstreams,
 * the worker and the app, each in its own process group, stopped in order on Ctrl-C.
 * Started by bootstrap.mjs, which installs dependencies first.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const require = createRequire(path.join(ROOT, "package.json"));
const READY_TIMEOUT_MS = 180_000;

function note(line: string): void {
  say(`  ${style.dim("·")} ${line}`);
}

function lockEntry(name: string, child: Child, match: string): LockChild {
  return { name, pid: child.pid ?? 0, match, isGroup: true, stopSignal: "SIGTERM" };
}

async function checkPorts(boot: ReturnType<typeof bootEnv>, isDemo: boolean): Promise<void> {
  const busy: string[] = [];
  if (!(await isPortFree(boot.PORT, boot.HOST)))
    busy.push(`port ${boot.PORT} on ${boot.HOST} is in use: set PORT to a free port`);
  if (isDemo) {
    for (const port of [boot.GATEHOUSE_DEMO_UPSTREAM_PORT, boot.GATEHOUSE_DEMO_UPSTREAM_PORT + 1]) {
      if (!(await isPortFree(port, LOOPBACK)))
        busy.push(
          `port ${port} (demo upstreams) is in use: set GATEHOUSE_DEMO_UPSTREAM_PORT to the first of two free ports`,
        );
    }
  }
  if (busy.length > 0)
    throw new StartupError(`Cannot start:\n${busy.map((line) => `  - ${line}`).join("\n")}`);
}

async function waitUntilReady(url: string, app: Child, supervisor: Supervisor): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = "no answer yet";
  while (Date.now() < deadline && !supervisor.isStopping) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = messageOf(error);
    }
    await delay(300);
  }
  throw new StartupError(
    `The app did not become ready within ${READY_TIMEOUT_MS / 1000} s (${url}: ${last}).\n` +
      `Its last output:\n${app
        .tail(15)
        .map((line) => `  ${line}`)
        .join("\n")}`,
  );
}

async function run(supervisor: Supervisor): Promise<void> {
  const startedAt = performance.now();
  const boot = bootEnv();
  const { dataDir } = boot;
  const isEmbeddedPostgres = boot.DATABASE_URL === undefined;
  const isEmbeddedRedis = boot.REDIS_URL === undefined;
  // The demo comes with the embedded default; with your own database it is opt-in.
  const isDemo = boot.GATEHOUSE_DEMO ?? isEmbeddedPostgres;
  const publicUrl = (boot.GATEHOUSE_PUBLIC_URL ?? `http://localhost:${boot.PORT}`).replace(/\/+$/, "");

  if (!isEmbeddedPostgres) {
    // With your own database the secrets must be configured: report every missing one before
    // starting anything. (A Redis URL that is started below is not known yet; any valid one will do.)
    parseEnv(processEnvWith({ REDIS_URL: boot.REDIS_URL ?? "redis://127.0.0.1:6379" }));
  }

  say(style.bold(`Gatehouse: starting ${style.dim(`(data folder ${dataDir})`)}`));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const locking = await acquireLock(dataDir, publicUrl);
  if ("heldBy" in locking) {
    const { pid, url } = locking.heldBy;
    throw new StartupError(
      `Gatehouse is already running with this data folder (pid ${pid}, ${url}).\n` +
        `Stop it first (Ctrl-C in its terminal, or \`kill ${pid}\`), or set GATEHOUSE_DATA_DIR to another folder.`,
    );
  }
  const lock: Lock = locking.lock;
  const cleanUpFiles = () => {
    removeRuntimeFile(dataDir);
    lock.release();
  };
  supervisor.add({
    name: "lock",
    phase: PHASES.files,
    stop: async () => cleanUpFiles(),
    emergency: cleanUpFiles,
  });
  if (locking.staleHolder) {
    note(`an earlier run (pid ${locking.staleHolder.pid}) ended without stopping; taking over`);
    const stopped = await stopLeftovers(locking.staleHolder);
    if (stopped.length > 0) note(`stopped what it left running: ${stopped.join(", ")}`);
  }
  // URLs a crashed run left behind point at services that are gone.
  removeRuntimeFile(dataDir);
  await checkPorts(boot, isDemo);
  if (isEmbeddedRedis && redisServerVersion() === undefined) throw new StartupError(REDIS_MISSING_MESSAGE);

  const wanted: SecretName[] = [];
  if (isEmbeddedPostgres) wanted.push("AUTH_SECRET", "GATEHOUSE_ENCRYPTION_KEY", "POSTGRES_PASSWORD");
  if (isEmbeddedRedis) wanted.push("REDIS_PASSWORD");
  const { secrets, created } =
    wanted.length > 0 ? ensureSecrets(dataDir, wanted) : { secrets: {}, created: [] };
  if (created.includes("GATEHOUSE_ENCRYPTION_KEY"))
    note(`generated secrets in ${secretsPath(dataDir)}: back it up, it decrypts stored credentials`);

  const logsDir = path.join(dataDir, "logs");
  mkdirSync(logsDir, { recursive: true, mode: 0o700 });
  const timings = new Timings();
  const children: LockChild[] = [];
  const remember = (entry: LockChild) => {
    children.push(entry);
    lock.recordChildren(children);
  };

  // The build needs neither database nor Redis and is the long pole of a first start: run it
  // beside the services instead of after them.
  const doneBuild = timings.begin("App build");
  const building = ensureBuild(supervisor, {
    root: ROOT,
    env: processEnvWith({ NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" }),
    logFile: path.join(logsDir, "build.log"),
    onStart: (reason) => note(`building the app (${reason}); this takes a minute or two`),
    // next build stops its type-checker (its own process group) when it gets SIGTERM.
    onSpawn: (child) => remember(lockEntry("build", child, "next")),
  }).then((outcome) => {
    doneBuild(outcome.built ? `built (${outcome.reason})` : "up to date, not rebuilt");
    return outcome;
  });
  building.catch((error: unknown) => void supervisor.fail(error));

  const [postgres, redis] = await supervisor.guard(
    Promise.all([
      isEmbeddedPostgres
        ? (async (): Promise<EmbeddedPostgres> => {
            const done = timings.begin("PostgreSQL");
            const started = await startEmbeddedPostgres(supervisor, {
              dataDir,
              password: secrets.POSTGRES_PASSWORD ?? "",
              logFile: path.join(logsDir, "postgres.log"),
              note,
            });
            remember({
              name: "postgres",
              pid: started.pid,
              match: started.dataDir,
              isGroup: false,
              stopSignal: "SIGINT",
            });
            done(`${started.version} on ${LOOPBACK}:${started.port}${started.isNew ? " (new cluster)" : ""}`);
            return started;
          })()
        : undefined,
      isEmbeddedRedis
        ? (async (): Promise<EmbeddedRedis> => {
            const done = timings.begin("Redis");
            const started = await startEmbeddedRedis(supervisor, {
              dataDir,
              password: secrets.REDIS_PASSWORD ?? "",
              logFile: path.join(logsDir, "redis.log"),
              cwd: ROOT,
              env: processEnvWith({}),
              note,
            });
            remember({
              name: "redis",
              pid: started.pid,
              match: "redis-server",
              isGroup: true,
              stopSignal: "SIGTERM",
            });
            done(`${started.version} on ${LOOPBACK}:${started.port}`);
            return started;
          })()
        : undefined,
    ]),
  );
  if (postgres || redis) writeRuntimeFile(dataDir, { DATABASE_URL: postgres?.url, REDIS_URL: redis?.url });

  const config = parseEnv(
    processEnvWith({
      GATEHOUSE_DATA_DIR: dataDir,
      DATABASE_URL: postgres?.url ?? boot.DATABASE_URL,
      REDIS_URL: redis?.url ?? boot.REDIS_URL,
      AUTH_SECRET: boot.AUTH_SECRET ?? secrets.AUTH_SECRET,
      GATEHOUSE_ENCRYPTION_KEY: boot.GATEHOUSE_ENCRYPTION_KEY ?? secrets.GATEHOUSE_ENCRYPTION_KEY,
    }),
  );

  if (!postgres || !redis) {
    const done = timings.begin("Services");
    const checks = await supervisor.guard(
      Promise.all([
        postgres ? undefined : checkPostgres(config),
        redis ? undefined : checkRedisServer(config),
      ]),
    );
    const failed = checks.filter((check) => check !== undefined && !check.ok);
    if (failed.length > 0)
      throw new StartupError(
        `Cannot reach the configured services:\n${failed.map((check) => `  - ${check?.name}: ${check?.detail}`).join("\n")}`,
      );
    done(
      `${[postgres ? undefined : "PostgreSQL", redis ? undefined : "Redis"].filter(Boolean).join(" and ")} reachable`,
    );
  }

  const doneMigrate = timings.begin("Migrations");
  let applied: string[];
  try {
    applied = await supervisor.guard(migrate(config.DATABASE_URL));
  } catch (error) {
    if (error instanceof MigrationError)
      throw new StartupError(`Database migrations failed: ${error.message}`);
    throw error;
  }
  doneMigrate(applied.length > 0 ? `applied ${applied.length}` : "up to date");

  let seeded: DemoSeedResult | undefined;
  if (isDemo) {
    const done = timings.begin("Demo data");
    const db = createDb(config.DATABASE_URL, { max: 2 });
    try {
      seeded = await supervisor.guard(seedDemo({ db, upstreamPort: config.GATEHOUSE_DEMO_UPSTREAM_PORT }));
    } finally {
      await db.$disconnect();
    }
    if (seeded.created) writeOwnerPassword(dataDir, seeded.ownerEmail, seeded.ownerPassword);
    done(seeded.created ? "added (owner account, people, teams, catalog)" : "already there");

    const doneUpstreams = timings.begin("Demo upstreams");
    const upstreams = await supervisor.guard(
      startDemoUpstreams(supervisor, { root: ROOT, port: config.GATEHOUSE_DEMO_UPSTREAM_PORT, logsDir }),
    );
    for (const upstream of upstreams) remember(lockEntry(upstream.spec.name, upstream, "server-everything"));
    doneUpstreams(
      `${LOOPBACK}:${config.GATEHOUSE_DEMO_UPSTREAM_PORT} (Streamable HTTP), :${config.GATEHOUSE_DEMO_UPSTREAM_PORT + 1} (SSE)`,
    );
  }

  // The app and worker get their configuration explicitly rather than from the data folder.
  const runtimeEnv = processEnvWith({
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    GATEHOUSE_DATA_DIR: dataDir,
    DATABASE_URL: config.DATABASE_URL,
    REDIS_URL: config.REDIS_URL,
    AUTH_SECRET: config.AUTH_SECRET,
    GATEHOUSE_ENCRYPTION_KEY: config.GATEHOUSE_ENCRYPTION_KEY,
  });
  // `node --import tsx` rather than the tsx CLI: one process per child, and signals reach it
  // directly (the CLI relays them and SIGKILLs a child that does not acknowledge within 30 ms).
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  const typescriptChild = (name: "app" | "worker", script: string, stopTimeoutMs: number) => {
    const child = spawnChild(supervisor, {
      name,
      command: process.execPath,
      args: [...(name === "app" ? APP_NODE_FLAGS : []), ...nodeArgs(script, [], [tsx])],
      cwd: ROOT,
      env: name === "app" ? { ...APP_ENV_DEFAULTS, ...runtimeEnv } : runtimeEnv,
      phase: PHASES.app,
      logFile: path.join(logsDir, `${name}.log`),
      echo: "warnings",
      stopTimeoutMs,
    });
    remember(lockEntry(name, child, script));
    return child;
  };
  // The worker finishes running jobs on SIGTERM (it gives itself 25 s).
  typescriptChild("worker", "workers/index.ts", 30_000);

  await supervisor.guard(building);

  const doneApp = timings.begin("App");
  const app = typescriptChild("app", "server/http/main.ts", 20_000);
  const pollHost = ["0.0.0.0", "::", "localhost"].includes(config.HOST) ? LOOPBACK : config.HOST;
  const readyUrl = `http://${pollHost.includes(":") ? `[${pollHost}]` : pollHost}:${config.PORT}/api/ready`;
  await supervisor.guard(waitUntilReady(readyUrl, app, supervisor));
  doneApp(`ready on ${config.HOST}:${config.PORT}`);

  printBanner({ config, seeded, logsDir, totalMs: performance.now() - startedAt });
}

/** When the launcher (bootstrap.mjs) is killed outright, nobody would ever stop us: stop. */
function watchLauncher(supervisor: Supervisor): void {
  const launcher = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== launcher) void supervisor.stop("its launcher went away");
  }, 1_000);
  timer.unref();
}

function main(): void {
  const supervisor = new Supervisor();
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.on(signal, () => void supervisor.stop(signal));
  process.on("uncaughtException", (error) => void supervisor.fail(error));
  process.on("unhandledRejection", (error) => void supervisor.fail(error));
  watchLauncher(supervisor);
  // Once stopping, steps still under way fail on purpose; only the first failure is reported.
  run(supervisor).catch((error: unknown) => void supervisor.fail(error));
}

main();
