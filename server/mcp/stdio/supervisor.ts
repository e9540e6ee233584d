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
import { type SandboxLimits, spawnSandboxed } from "./sandbox";
import { sandboxNetworkFor } from "./sandbox-network";

/**
 * The stdio runner (PROTOCOL X2): one process per (downstream session, connection), spawned from
 * the connection's admin-approved command template and spoken to in newline-delimited JSON-RPC.
 *
 * - The command is re-checked against the current allow-list at every spawn (matchCommandTemplate).
 * - The process itself (no shell, own process group, environment built from nothing, prlimit limits,
 *   group kill, bounded stderr) is sandbox.ts, shared with the worker's discovery.
 * - Caps per server and per user, counted across every instance (process-slots.ts); idle reaping
 *   is the channel registry's.
 * - A crash ends the channel; the next use re-initializes the session (the connector's lost
 *   session path) after a backoff that doubles per recent crash of the connection's processes, and
 *   a connection whose server keeps crashing is refused for a while.
 * - Every spawn is audited ("mcp.stdio.spawn", no env values) before the process is used.
 */

/** The sandbox's limits (sandbox.ts) and the supervisor's own rules. */
export type StdioSettings = SandboxLimits & {
  /** the allow-list; the installation's setting by default */
  templates: (exchange: Exchange) => Promise<CommandTemplate[]>;
  maxPerServer: number;
  maxPerUser: number;
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
  fileSizeBytes: 1024 ** 3,
  userTasks: 8_192,
  stderrBufferBytes: 64 * 1024,
  killGraceMs: 3_000,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  maxCrashes: 5,
  crashWindowMs: 60_000,
};

/** What runs now in this process, for caps and tests. */
export type StdioProcessInfo = {
  pid: number;
  serverId: string;
  connectionId: string;
  userId: string;
  command: string;
  /** argv after the command, secret argument values hidden */
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

/** Spawns the connection's process and returns it as a message channel. */
export async function openStdioChannel(exchange: Exchange, events: ChannelEvents): Promise<MessageChannel> {
  const settings = settingsOf(exchange);
  const { connection } = exchange.access;
  const userId = exchange.principal.userId;
  const version = await exchange.deps.db().serverVersion.findUnique({
    where: { id: connection.serverVersion.id },
    select: { command: true, args: true, reviewedAt: true },
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
      { ...version, command: version.command, match },
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
    reviewedAt: Date | null;
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
  // What logs, audit rows and the process list show: secret argument values hidden.
  const shownArgs = [...version.args, ...exchange.target.shownArgs];
  const log = logger().child({
    component: "mcp-stdio",
    serverId: connection.serverId,
    connectionId: connection.id,
  });
  let info: StdioProcessInfo | null = null;
  const child = await spawnSandboxed({
    command,
    args,
    fields: exchange.target.env,
    limits: settings,
    maxLineBytes: exchange.deps.limits.maxMessageBytes,
    log,
    network: sandboxNetworkFor({
      db: exchange.deps.db,
      version,
      subject: {
        actorUserId: userId,
        serverId: connection.serverId,
        connectionId: connection.id,
        targetType: "connection",
        targetId: connection.id,
      },
      onAuditFailure: (error) => log.warn({ err: error }, "could not audit a refused egress connection"),
    }),
    onLine: (line) => events.message(line),
    onExit: ({ code, signal, stopped }) => {
      if (info) runningStdioProcesses().delete(info);
      void releaseProcessSlot(exchange.deps, slot);
      if (!stopped) {
        crashLog().set(crashKey, [...(crashLog().get(crashKey) ?? []), Date.now()]);
        log.warn(
          { pid: child.pid, code, signal, stderrTail: child.stderrTail().slice(-2_000) },
          "stdio server process exited unexpectedly",
        );
      }
      events.closed(stopped ? "stopped" : `process exited with ${signal ?? `code ${code}`}`);
    },
  });
  const { pid, kill } = child;
  info = {
    pid,
    serverId: connection.serverId,
    connectionId: connection.id,
    userId,
    command,
    args: shownArgs,
    stderrTail: child.stderrTail,
    kill,
    slot,
  };
  runningStdioProcesses().add(info);
  onRunning();
  keepSlotsRenewed(exchange);

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
        metadata: {
          command,
          args: shownArgs,
          pid,
          template: match.match.template.id,
          sessionId: exchange.sessionId,
          network: child.network,
        },
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
  log.info({ pid, command, args: shownArgs }, "stdio server process started");

  return { label: "stdio process", send: child.send, close: (reason) => kill(reason) };
}
