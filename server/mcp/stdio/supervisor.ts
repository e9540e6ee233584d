import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { recordAudit } from "../../audit/record";
import { logger } from "../../logger";
import {
  type CommandTemplate,
  getCommandTemplates,
  matchCommandTemplate,
} from "../../services/settings/command-templates";
import type { Exchange } from "../context";
import type { ChannelEvents, MessageChannel } from "../upstream/channel";
import { UpstreamFailure } from "../upstream/http-client";
import {
  acquireProcessSlot,
  type ProcessSlot,
  releaseProcessSlot,
  renewProcessSlots,
  SLOT_RENEW_MS,
} from "./process-slots";

/**
 * The stdio runner (PROTOCOL X2): one process per (downstream session, connection), spawned from
 * the connection's admin-approved command template and spoken to in newline-delimited JSON-RPC.
 *
 * - The command is re-checked against the current allow-list at every spawn (matchCommandTemplate);
 *   argv is an array, `shell: false`, in a process group of its own (`detached`).
 * - Environment: built from nothing — a fixed PATH, HOME (a fresh temp dir, also the cwd, removed
 *   when the process ends), LANG, and the connection's env fields. Nothing of the gateway's own
 *   environment (DATABASE_URL, keys, GATEHOUSE_*) is ever passed.
 * - Resource limits through util-linux `prlimit` when present: CPU seconds, address space, open
 *   files. Without prlimit the process runs without them (logged once at warn).
 * - Caps per server and per user, counted across every instance (process-slots.ts), idle reaping
 *   (the channel registry),
 *   process-group kill: SIGTERM, then SIGKILL after a grace.
 * - A crash ends the channel; the next use re-initializes the session (the connector's lost
 *   session path) after a backoff that doubles per recent crash of the connection's processes, and
 *   a connection whose server keeps crashing is refused for a while.
 * - stderr: a bounded ring buffer per process, logged per server line by line (truncated); the
 *   environment is never logged. Every spawn is audited ("mcp.stdio.spawn", no env values).
 */

export type StdioSettings = {
  /** the allow-list; the installation's setting by default */
  templates: (exchange: Exchange) => Promise<CommandTemplate[]>;
  maxPerServer: number;
  maxPerUser: number;
  safePath: string;
  cpuSeconds: number;
  addressSpaceBytes: number;
  openFiles: number;
  stderrBufferBytes: number;
  killGraceMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** more crashes than this within crashWindowMs → refused until the window passes */
  maxCrashes: number;
  crashWindowMs: number;
};

export const DEFAULT_STDIO_SETTINGS: StdioSettings = {
  templates: (exchange) => getCommandTemplates(exchange.deps.db()),
  maxPerServer: 50,
  maxPerUser: 10,
  safePath: "/usr/local/bin:/usr/bin:/bin",
  cpuSeconds: 3_600,
  addressSpaceBytes: 4 * 1024 ** 3,
  openFiles: 1_024,
  stderrBufferBytes: 64 * 1024,
  killGraceMs: 3_000,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  maxCrashes: 5,
  crashWindowMs: 60_000,
};

const PRLIMIT = ["/usr/bin/prlimit", "/bin/prlimit"].find((candidate) => existsSync(candidate)) ?? null;
const MAX_STDERR_LINE = 1_000;

/** What runs now in this process, for caps and tests. */
export type StdioProcessInfo = {
  pid: number;
  serverId: string;
  connectionId: string;
  userId: string;
  command: string;
  args: string[];
  stderrTail: () => string;
  kill: (reason: string) => Promise<void>;
  /** its place under the cluster-wide caps, renewed while it runs */
  slot: ProcessSlot;
};

const RUNNING_KEY = Symbol.for("gatehouse.mcp-stdio-running");
const CRASHES_KEY = Symbol.for("gatehouse.mcp-stdio-crashes");
type GlobalWithStdio = typeof globalThis & {
  [RUNNING_KEY]?: Set<StdioProcessInfo>;
  [CRASHES_KEY]?: Map<string, number[]>;
};

export function runningStdioProcesses(): Set<StdioProcessInfo> {
  const holder = globalThis as GlobalWithStdio;
  if (!holder[RUNNING_KEY]) {
    const running = new Set<StdioProcessInfo>();
    holder[RUNNING_KEY] = running;
    // Process groups are detached: they must not outlive the gateway (only synchronous work on exit).
    process.once("exit", () => {
      for (const info of running)
        try {
          process.kill(-info.pid, "SIGKILL");
        } catch {
          // already gone
        }
    });
  }
  return holder[RUNNING_KEY];
}

function crashLog(): Map<string, number[]> {
  const holder = globalThis as GlobalWithStdio;
  holder[CRASHES_KEY] ??= new Map();
  return holder[CRASHES_KEY];
}

const RENEWAL_KEY = Symbol.for("gatehouse.mcp-stdio-slot-renewal");
type GlobalWithRenewal = typeof globalThis & { [RENEWAL_KEY]?: NodeJS.Timeout };

/** Renews the slots of this process's running stdio processes while any run (one timer per process). */
function keepSlotsRenewed(exchange: Exchange): void {
  const holder = globalThis as GlobalWithRenewal;
  if (holder[RENEWAL_KEY]) return;
  const deps = exchange.deps;
  const timer = setInterval(() => {
    const running = runningStdioProcesses();
    if (running.size === 0) {
      clearInterval(timer);
      holder[RENEWAL_KEY] = undefined;
      return;
    }
    void renewProcessSlots(
      deps,
      [...running].map((info) => info.slot),
    ).catch((error: unknown) =>
      logger().child({ component: "mcp-stdio" }).warn({ err: error }, "could not renew stdio process slots"),
    );
  }, SLOT_RENEW_MS);
  timer.unref();
  holder[RENEWAL_KEY] = timer;
}

/** A bounded buffer of the last bytes a process wrote to stderr. */
class RingBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
    while (this.size > this.max && this.chunks.length > 1) this.size -= this.chunks.shift()?.byteLength ?? 0;
    if (this.size > this.max) {
      const only = this.chunks[0] as Buffer;
      this.chunks = [only.subarray(only.byteLength - this.max)];
      this.size = this.max;
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

function settingsOf(exchange: Exchange): StdioSettings {
  return { ...DEFAULT_STDIO_SETTINGS, ...exchange.deps.stdio };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits out the crash backoff of this (session, connection); refuses a server that keeps crashing. */
async function awaitBackoff(key: string, settings: StdioSettings): Promise<void> {
  const now = Date.now();
  const recent = (crashLog().get(key) ?? []).filter((at) => now - at < settings.crashWindowMs);
  crashLog().set(key, recent);
  if (recent.length === 0) return;
  if (recent.length > settings.maxCrashes)
    throw new UpstreamFailure(
      "unreachable",
      `The server process crashed ${recent.length} times in the last ${Math.round(settings.crashWindowMs / 1000)} s; Gatehouse will not restart it for now.`,
    );
  const delay = Math.min(settings.backoffBaseMs * 2 ** (recent.length - 1), settings.backoffMaxMs);
  const wait = (recent.at(-1) ?? now) + delay - now;
  if (wait > 0) await sleep(wait);
}

export function buildStdioEnv(
  settings: Pick<StdioSettings, "safePath">,
  home: string,
  fields: Record<string, string>,
): Record<string, string> {
  return { ...fields, PATH: settings.safePath, HOME: home, LANG: "C.UTF-8" };
}

/** Spawns the connection's process and returns it as a message channel. */
export async function openStdioChannel(exchange: Exchange, events: ChannelEvents): Promise<MessageChannel> {
  const settings = settingsOf(exchange);
  const { connection } = exchange.access;
  const userId = exchange.principal.userId;
  const version = await exchange.deps.db().serverVersion.findUnique({
    where: { id: connection.serverVersion.id },
    select: { command: true, args: true },
  });
  if (!version?.command) throw new UpstreamFailure("refused", "This server version has no command to run.");
  const match = matchCommandTemplate(await settings.templates(exchange), version.command, version.args);
  if (!match.ok)
    throw new UpstreamFailure("refused", `The server's command is no longer allowed: ${match.reason}.`);

  const deps = exchange.deps;
  const slot = await acquireProcessSlot(deps, { serverId: connection.serverId, userId }, settings);
  let started = false;
  try {
    return await spawnUnderSlot(
      exchange,
      events,
      settings,
      { command: version.command, args: version.args, match },
      slot,
      () => {
        started = true;
      },
    );
  } finally {
    // Until the process is running, the slot is ours to give back; afterwards its exit releases it.
    if (!started) await releaseProcessSlot(deps, slot);
  }
}

async function spawnUnderSlot(
  exchange: Exchange,
  events: ChannelEvents,
  settings: StdioSettings,
  version: {
    command: string;
    args: string[];
    match: Extract<ReturnType<typeof matchCommandTemplate>, { ok: true }>;
  },
  slot: ProcessSlot,
  onRunning: () => void,
): Promise<MessageChannel> {
  const { connection } = exchange.access;
  const userId = exchange.principal.userId;
  const match = version.match;
  // Crash history per connection (a connection is one user's): the first spawn of a session has no
  // session id yet, and a server that crashes in one session would crash in the next one too.
  const crashKey = connection.id;
  await awaitBackoff(crashKey, settings);

  const command = version.command;
  const args = [...version.args, ...exchange.target.args];
  const home = await mkdtemp(path.join(tmpdir(), "gatehouse-stdio-"));
  const env = buildStdioEnv(settings, home, exchange.target.env);
  const [file, argv] = PRLIMIT
    ? [
        PRLIMIT,
        [
          `--cpu=${settings.cpuSeconds}`,
          `--as=${settings.addressSpaceBytes}`,
          `--nofile=${settings.openFiles}`,
          "--",
          command,
          ...args,
        ],
      ]
    : [command, args];
  const log = logger().child({
    component: "mcp-stdio",
    serverId: connection.serverId,
    connectionId: connection.id,
  });
  if (!PRLIMIT) log.warn("prlimit is not installed: the stdio process runs without resource limits");

  let child: ChildProcess;
  try {
    child = spawn(file, argv, {
      env: env as NodeJS.ProcessEnv,
      cwd: home,
      shell: false,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch (error) {
    await rm(home, { recursive: true, force: true });
    throw new UpstreamFailure("unreachable", "The server process could not be started.", { cause: error });
  }
  const spawned = await new Promise<boolean>((resolve) => {
    child.once("spawn", () => resolve(true));
    child.once("error", () => resolve(false));
  });
  const pid = child.pid;
  if (!spawned || pid === undefined) {
    await rm(home, { recursive: true, force: true });
    throw new UpstreamFailure("unreachable", `The server's command "${command}" could not be started.`);
  }

  let exited = false;
  let killing = false;
  const exitPromise = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const kill = async (reason: string) => {
    if (exited) return;
    if (!killing) {
      killing = true;
      log.info({ pid, reason }, "stopping stdio server process");
      killGroup("SIGTERM");
      const grace = setTimeout(() => killGroup("SIGKILL"), settings.killGraceMs);
      grace.unref();
      await exitPromise;
      clearTimeout(grace);
      // children that ignored SIGTERM go with the group
      killGroup("SIGKILL");
      return;
    }
    await exitPromise;
  };

  const stderr = new RingBuffer(settings.stderrBufferBytes);
  const info: StdioProcessInfo = {
    pid,
    serverId: connection.serverId,
    connectionId: connection.id,
    userId,
    command,
    args,
    stderrTail: () => stderr.text(),
    kill,
    slot,
  };
  runningStdioProcesses().add(info);
  onRunning();
  keepSlotsRenewed(exchange);

  let pendingLine = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr.push(chunk);
    const lines = (pendingLine + chunk.toString("utf8")).split("\n");
    pendingLine = (lines.pop() ?? "").slice(0, MAX_STDERR_LINE);
    for (const line of lines)
      if (line.trim() !== "")
        log.info({ pid, stderr: line.slice(0, MAX_STDERR_LINE) }, "stdio server stderr");
  });

  const maxLine = exchange.deps.limits.maxMessageBytes;
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  child.stdout?.on("data", (chunk: Buffer) => {
    let start = 0;
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, start)) {
      buffered.push(chunk.subarray(start, index));
      const line = Buffer.concat(buffered).toString("utf8").trim();
      buffered = [];
      bufferedBytes = 0;
      start = index + 1;
      if (line !== "") events.message(line);
    }
    if (start < chunk.byteLength) {
      buffered.push(chunk.subarray(start));
      bufferedBytes += chunk.byteLength - start;
      if (bufferedBytes > maxLine) {
        log.warn({ pid }, "stdio server wrote a line over the message limit; stopping it");
        buffered = [];
        bufferedBytes = 0;
        void kill("message too large");
      }
    }
  });
  child.stdin?.on("error", () => {});

  child.once("exit", (code, signal) => {
    exited = true;
    runningStdioProcesses().delete(info);
    void releaseProcessSlot(exchange.deps, slot);
    if (!killing) {
      crashLog().set(crashKey, [...(crashLog().get(crashKey) ?? []), Date.now()]);
      log.warn(
        { pid, code, signal, stderrTail: stderr.text().slice(-2_000) },
        "stdio server process exited unexpectedly",
      );
    }
    killGroup("SIGKILL");
    void rm(home, { recursive: true, force: true });
    events.closed(killing ? "stopped" : `process exited with ${signal ?? `code ${code}`}`);
  });

  try {
    await recordAudit(
      exchange.deps.db(),
      {
        actorUserId: userId,
        clientIp: exchange.request.clientIp,
        userAgent: exchange.request.header("user-agent") ?? null,
        requestId: exchange.request.requestId,
      },
      {
        action: "mcp.stdio.spawn",
        targetType: "connection",
        targetId: connection.id,
        serverId: connection.serverId,
        connectionId: connection.id,
        metadata: { command, args, pid, template: match.match.template.id, sessionId: exchange.sessionId },
      },
    );
  } catch (error) {
    // Fail closed: a process whose start could not be recorded does not serve anyone.
    await kill("audit unavailable");
    throw new UpstreamFailure(
      "unreachable",
      "The server process could not be started (audit store unavailable).",
      {
        cause: error,
      },
    );
  }
  log.info({ pid, command, args }, "stdio server process started");

  return {
    label: "stdio process",
    send: (text) =>
      new Promise<void>((resolve, reject) => {
        if (exited || !child.stdin?.writable) {
          reject(new UpstreamFailure("unreachable", "The server process is not running."));
          return;
        }
        child.stdin.write(`${text}\n`, (error) =>
          error
            ? reject(new UpstreamFailure("unreachable", "The server process stopped reading."))
            : resolve(),
        );
      }),
    close: (reason) => kill(reason),
  };
}
