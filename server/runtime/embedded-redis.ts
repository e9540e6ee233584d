import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { spawnChild } from "./children";
import { writePrivateFile } from "./files";
import { LOOPBACK, pickPort } from "./ports";
import { commandLine, isProcessAlive, terminate } from "./processes";
import { PHASES, StartupError, type Supervisor } from "./supervisor";

/**
 * Redis for the embedded default. No npm package ships a Redis binary, so this runs `redis-server`
 * from PATH: loopback only, a generated password, append-only persistence under `<data>/redis`
 * (queued jobs survive a restart), and `noeviction`, which BullMQ needs.
 */
const PREFERRED_PORT = 56379;
const READY_TIMEOUT_MS = 60_000;

export const REDIS_MISSING_MESSAGE = [
  "redis-server was not found on PATH. Gatehouse needs Redis for its job queues. Either:",
  "  - install it: `sudo apt-get install redis-server` (Debian/Ubuntu), `brew install redis` (macOS); or",
  "  - point Gatehouse at a Redis you run: REDIS_URL=redis://:password@host:6379 npm start",
].join("\n");

export type EmbeddedRedis = { url: string; port: number; version: string; pid: number };

/** `redis-server --version`, or undefined when it is not installed. */
export function redisServerVersion(): string | undefined {
  const result = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (result.error) return undefined;
  return /v=([\d.]+)/.exec(result.stdout)?.[1] ?? "?";
}

function redisConfig(options: { port: number; dir: string; password: string }): string {
  // The password is in this 0600 file rather than on the command line, where `ps` would show it.
  return [
    "# Written by `npm start` on every start; edits are lost.",
    `bind ${LOOPBACK}`,
    "protected-mode yes",
    `port ${options.port}`,
    `dir "${options.dir}"`,
    `pidfile "${path.join(options.dir, "redis.pid")}"`,
    "daemonize no",
    'logfile ""',
    `requirepass "${options.password}"`,
    "appendonly yes",
    "appendfsync everysec",
    "save 3600 1 300 100 60 10000",
    "maxmemory-policy noeviction",
    "",
  ].join("\n");
}

/** A Redis that an earlier, crashed run left running would write to the same files: stop it. */
async function stopOrphan(dir: string, note: (line: string) => void): Promise<void> {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path.join(dir, "redis.pid"), "utf8"), 10);
  } catch {
    return;
  }
  if (!isProcessAlive(pid) || !commandLine(pid)?.some((arg) => arg.includes("redis-server"))) return;
  note(`Redis from an earlier run (pid ${pid}) is still running on this data; stopping it first`);
  await terminate(pid, { signal: "SIGTERM", timeoutMs: 15_000 });
}

/** AUTH + PING over a raw socket; true once Redis answers PONG (not LOADING). */
function isReady(port: number, password: string): Promise<boolean> {
  const command = (...args: string[]) =>
    `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`;
  return new Promise((resolve) => {
    let reply = "";
    const socket = net.connect({ port, host: LOOPBACK });
    const finish = (ready: boolean) => {
      socket.destroy();
      resolve(ready);
    };
    socket.setTimeout(2_000, () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("connect", () => socket.write(command("AUTH", password) + command("PING")));
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      if (reply.includes("+PONG")) finish(true);
      else if (reply.split("\r\n").length > 2) finish(false);
    });
  });
}

export async function startEmbeddedRedis(
  supervisor: Supervisor,
  options: {
    dataDir: string;
    password: string;
    logFile: string;
    cwd: string;
    env: NodeJS.ProcessEnv;
    note: (line: string) => void;
  },
): Promise<EmbeddedRedis> {
  const version = redisServerVersion();
  if (version === undefined) throw new StartupError(REDIS_MISSING_MESSAGE);
  const dir = path.join(options.dataDir, "redis");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await stopOrphan(dir, options.note);

  const port = await pickPort(PREFERRED_PORT);
  const configFile = path.join(dir, "redis.conf");
  writePrivateFile(configFile, redisConfig({ port, dir, password: options.password }));
  const child = spawnChild(supervisor, {
    name: "redis",
    command: "redis-server",
    args: [configFile],
    cwd: options.cwd,
    env: options.env,
    phase: PHASES.redis,
    logFile: options.logFile,
    // SIGTERM: Redis flushes the append-only file, saves a snapshot and exits.
    stopSignal: "SIGTERM",
    stopTimeoutMs: 20_000,
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let hasExited = false;
  void child.exited.then(() => {
    hasExited = true;
  });
  while (!(await isReady(port, options.password))) {
    if (hasExited || supervisor.isStopping) {
      throw new StartupError(
        `Redis did not start.\nIts last output (${options.logFile}):\n${child
          .tail(15)
          .map((line) => `  ${line}`)
          .join("\n")}`,
      );
    }
    if (Date.now() > deadline)
      throw new StartupError(`Redis did not answer within ${READY_TIMEOUT_MS / 1000} s.`);
    await delay(100);
  }
  return {
    url: `redis://:${encodeURIComponent(options.password)}@${LOOPBACK}:${port}`,
    port,
    version,
    pid: child.pid ?? 0,
  };
}
