import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import type { Writable } from "node:stream";
import type { Logger } from "pino";
import { env as gatewayEnv } from "../../env";
import type { OutboundPolicy } from "../../security/outbound-url";
import { UpstreamFailure } from "../upstream/http-client";
import { type EgressProxy, type EgressRefusal, startEgressProxy } from "./egress-proxy";

/**
 * One stdio MCP server process started the way PROTOCOL X2 asks, whoever starts it (the proxy's
 * supervisor for a session, the worker's discovery for a catalog entry). The caller has already
 * matched the command against the admin's templates; here:
 *
 * - argv is an array, `shell: false`, the process leads its own process group (`detached`);
 * - the environment is built from nothing: a fixed PATH, HOME (a fresh temp dir, also the cwd,
 *   removed when the process ends), LANG, and the caller's fields. Nothing of the gateway's own
 *   environment (DATABASE_URL, keys, GATEHOUSE_*) is passed;
 * - CPU seconds, address space, open files, file size and the tasks of its user are limited through
 *   util-linux `prlimit` when present (warned once per spawn when absent);
 * - it runs in PID and mount namespaces of its own with a fresh /proc (util-linux `unshare`), so it
 *   can neither see nor signal the gateway's processes nor read their environment or working
 *   directory through /proc; when the gateway runs as root, it runs as an unprivileged user
 *   (GATEHOUSE_STDIO_RUN_AS, nobody by default), so the gateway's data directory and files are
 *   closed to it too. Without `unshare` (warned per spawn) only the user change applies;
 * - its network (GATEHOUSE_STDIO_NETWORK): "guarded" (the default) gives it a network namespace of
 *   its own, where the only way out is the gateway's egress proxy (egress-proxy.ts: the SSRF guard
 *   and the server version's outbound policy on every connection), announced in HTTP(S)_PROXY;
 *   "none" the namespace without the proxy; "host" the host's network, as any local process has.
 *   In a namespace of its own, an init (sandbox-init.mjs) brings loopback up, hides /run (the
 *   local databases' Unix sockets) and the gateway's secrets on disk (gatewaySecretPaths), gives
 *   the process its own /tmp, /var/tmp and /dev/shm (the host's hold every other stdio process's
 *   HOME) and starts the server without capabilities.
 *   Where such a namespace cannot be made here, the spawn is refused, saying so: falling back to
 *   the host's network is the operator's choice ("host"), never a silent one;
 * - stopping is SIGTERM to the group, SIGKILL after a grace; the group is killed when it exits too;
 * - stdout is split into lines (newline-delimited JSON-RPC) with a cap per line; stderr goes to a
 *   bounded ring buffer and to the log line by line (truncated); the environment is never logged.
 */

export type SandboxLimits = {
  safePath: string;
  cpuSeconds: number;
  addressSpaceBytes: number;
  openFiles: number;
  /** the largest file it may write */
  fileSizeBytes: number;
  /**
   * RLIMIT_NPROC: past this many tasks (processes and threads) of the user it runs as, counted over
   * all of that user's processes, it cannot fork or start a thread, so a fork bomb stops there
   * (the kernel does not apply it to root)
   */
  userTasks: number;
  stderrBufferBytes: number;
  killGraceMs: number;
};

export type SandboxedProcess = {
  pid: number;
  /** writes one line to the process's stdin; rejects with UpstreamFailure when it stopped reading */
  send: (line: string) => Promise<void>;
  /** stops the group (SIGTERM, then SIGKILL after the grace) and waits for the exit; idempotent */
  kill: (reason: string) => Promise<void>;
  stderrTail: () => string;
  /** the network it got: the one asked for (a spawn that cannot have it is refused) */
  network: StdioNetworkMode;
};

/** What network a stdio process gets (GATEHOUSE_STDIO_NETWORK). */
export type StdioNetworkMode = "guarded" | "none" | "host";

export type SandboxNetwork = {
  /** GATEHOUSE_STDIO_NETWORK by default */
  mode?: StdioNetworkMode;
  /** the outbound policy its connections are judged by, read at each connection (guarded) */
  policy: () => Promise<OutboundPolicy>;
  /** a connection the egress proxy refused (the caller audits) */
  onRefused?: (refusal: EgressRefusal) => void;
};

export type SandboxOptions = {
  command: string;
  args: string[];
  /** the configuration's env fields (already checked against the denied names) */
  fields: Record<string, string>;
  limits: SandboxLimits;
  /** a stdout line longer than this stops the process */
  maxLineBytes: number;
  log: Logger;
  onLine: (line: string) => void;
  /** once; `stopped` when kill() ended it */
  onExit: (exit: { code: number | null; signal: NodeJS.Signals | null; stopped: boolean }) => void;
  /** who it runs as when the gateway is root; GATEHOUSE_STDIO_RUN_AS by default */
  runAs?: StdioIdentity;
  network: SandboxNetwork;
  /** what its namespace covers of the gateway's files; gatewaySecretPaths() of this gateway by default */
  hide?: HiddenPaths;
};

function installed(...candidates: string[]): string | null {
  return candidates.find((candidate) => existsSync(candidate)) ?? null;
}

const PRLIMIT = installed("/usr/bin/prlimit", "/bin/prlimit");
const UNSHARE = installed("/usr/bin/unshare", "/bin/unshare");
/** The gateway's project directory (its code, node_modules): read-only to a stdio process. */
const PROJECT_DIR = process.cwd();
/**
 * The init's file, beside this one. Looked up from the working directory (the project's, for
 * `npm start`, the worker and the tests), as Next's bundle of a route handler has no directory of
 * its own; null where it is missing (the spawn then falls back as if no namespace could be made).
 */
const INIT_SCRIPT = (() => {
  const file = path.join(PROJECT_DIR, "server", "mcp", "stdio", "sandbox-init.mjs");
  return existsSync(file) ? file : null;
})();
/** What the init of a network namespace needs (util-linux setpriv and mount, iproute2 ip). */
const INIT_TOOLS = (() => {
  const setpriv = installed("/usr/bin/setpriv", "/bin/setpriv");
  const mount = installed("/usr/bin/mount", "/bin/mount");
  const ip = installed("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip");
  return setpriv && mount && ip && INIT_SCRIPT ? { setpriv, mount, ip, script: INIT_SCRIPT } : null;
})();
/** Where the init listens inside the namespace, bridged to the egress proxy. */
export const EGRESS_PORT = 3128;
/** An existing directory (not a symbolic link to one). */
function isDirectory(dir: string): boolean {
  try {
    return lstatSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Where each process's own directory is made: the host's temporary directory, unless that is under
 * /run, which the init hides first.
 */
const PROCESS_DIRS_PARENT = (() => {
  const tmp = tmpdir();
  return tmp === "/run" || tmp.startsWith("/run/") ? "/tmp" : tmp;
})();
/**
 * The shared writable places a process gets its own copy of in a namespace of its own: the host's
 * temporary directories (every other stdio process's HOME is there) and /dev/shm.
 */
const SHARED_TMP_DIRS = [...new Set([PROCESS_DIRS_PARENT, "/tmp", "/var/tmp"])].filter(isDirectory);
const SHARED_MEMORY_DIR = isDirectory("/dev/shm") ? "/dev/shm" : null;

/** The gateway's files a process in a namespace of its own finds empty (sandbox-init.mjs). */
export type HiddenPaths = { dirs: string[]; files: string[] };

/** The environment files Next.js and `node --env-file` users keep beside the project; not the example. */
const ENV_FILE = /^\.env(\..+)?$/;

/**
 * The gateway's secrets on disk: its user's home (SSH keys, cloud and registry credentials), its
 * data directory (generated secrets, the embedded databases' files, logs), and the `.env` files
 * and `.git` directory (a remote's credentials in its config) of its project directory. When the
 * gateway is not root, a stdio process runs as the gateway's own user and could read them; in a
 * namespace of its own, the init covers each (an empty read-only tmpfs over a directory, /dev/null
 * over a file) and shows the project directory read-only.
 */
export function gatewaySecretPaths(dataDir: string, projectDir: string, homeDir: string): HiddenPaths {
  let entries: string[] = [];
  try {
    entries = readdirSync(projectDir);
  } catch {
    // no project directory to read: nothing of it to hide
  }
  // What each names, symbolic links followed: a `.env` linked to /etc/gatehouse/env is hidden where
  // it lies, and a data directory or home behind a link is a directory all the same.
  const files = entries
    .filter((name) => ENV_FILE.test(name) && name !== ".env.example")
    .map((name) => realPathOf(path.join(projectDir, name), "file"))
    .filter((file): file is string => file !== null);
  const dirs = [homeDir, dataDir, path.join(projectDir, ".git")]
    .map((dir) => realPathOf(dir, "directory"))
    .filter((dir): dir is string => dir !== null);
  return { dirs: [...new Set(dirs)], files: [...new Set(files)] };
}

/** The real path of an existing file or directory (as asked), else null. */
function realPathOf(name: string, kind: "file" | "directory"): string | null {
  try {
    const real = realpathSync(name);
    const stats = statSync(real);
    return (kind === "file" ? stats.isFile() : stats.isDirectory()) ? real : null;
  } catch {
    return null;
  }
}

function isInside(file: string, dir: string): boolean {
  return file === dir || dir === "/" || file.startsWith(`${dir}/`);
}

/** Who a stdio process runs as when the gateway runs as root; "gateway" keeps root. */
export type StdioIdentity = { uid: number; gid: number } | "gateway";

export function stdioIdentityOf(setting: string): StdioIdentity {
  const [uid, gid] = setting.split(":").map(Number);
  return setting === "gateway" || uid === undefined || gid === undefined ? "gateway" : { uid, gid };
}

/** The user to switch to, or null to stay the gateway's (it is not root, or "gateway" was chosen). */
function switchTo(identity: StdioIdentity): { uid: number; gid: number } | null {
  return process.getuid?.() === 0 && identity !== "gateway" ? identity : null;
}

const OWN_NAMESPACES = ["--pid", "--ipc", "--kill-child", "--mount-proc"];

/** `unshare` options that put the process in namespaces of its own, as the user it runs as. */
function unshareOptions(user: { uid: number; gid: number } | null): string[] {
  if (process.getuid?.() !== 0) return ["--map-current-user", ...OWN_NAMESPACES];
  return user === null ? OWN_NAMESPACES : [...OWN_NAMESPACES, `--setgid=${user.gid}`, `--setuid=${user.uid}`];
}

/**
 * The same with a network namespace, for the init: it stays the gateway's user to set the
 * namespaces up (root of a user namespace of its own when the gateway is not root) and starts the
 * server as the user it runs as, without capabilities.
 */
function initUnshareOptions(): string[] {
  return process.getuid?.() === 0
    ? [...OWN_NAMESPACES, "--net"]
    : ["--map-root-user", ...OWN_NAMESPACES, "--net"];
}

/** The environment that points a server's HTTP clients at the egress bridge. */
export const EGRESS_ENV: Readonly<Record<string, string>> = (() => {
  const proxy = `http://127.0.0.1:${EGRESS_PORT}`;
  const local = "localhost,127.0.0.1,::1";
  return {
    HTTP_PROXY: proxy,
    HTTPS_PROXY: proxy,
    http_proxy: proxy,
    https_proxy: proxy,
    NO_PROXY: local,
    no_proxy: local,
    // Node 22.21+/24.5+: http, https and fetch use the variables above only when asked to.
    NODE_USE_ENV_PROXY: "1",
  };
})();

// Per set of unshare options: the unshare to run them with, or null where they do not work here
// (it is not installed, or user namespaces or mounts are refused).
const unshareFor = new Map<string, Promise<string | null>>();

function usableUnshare(options: string[], probe: { retryFailure?: boolean } = {}): Promise<string | null> {
  const unshare = UNSHARE;
  if (unshare === null) return Promise.resolve(null);
  const key = options.join(" ");
  let usable = unshareFor.get(key);
  if (usable === undefined) {
    const probing = new Promise<string | null>((resolve) =>
      execFile(
        unshare,
        [...options, "--", "/bin/true"],
        { timeout: 5_000, env: {} as NodeJS.ProcessEnv },
        (error) => resolve(error ? null : unshare),
      ),
    );
    unshareFor.set(key, probing);
    // Where a failure refuses the spawn instead of falling back, it is not remembered: one slow
    // probe must not refuse stdio servers for the rest of the process's life.
    if (probe.retryFailure)
      void probing.then((answer) => {
        if (answer === null && unshareFor.get(key) === probing) unshareFor.delete(key);
      });
    usable = probing;
  }
  return usable;
}

const MAX_STDERR_LINE = 1_000;

export function buildStdioEnv(
  limits: Pick<SandboxLimits, "safePath">,
  home: string,
  fields: Record<string, string>,
): Record<string, string> {
  return { ...fields, PATH: limits.safePath, HOME: home, LANG: "C.UTF-8" };
}

/** stderr lines logged per process and minute; the rest are counted, and kept in the ring buffer. */
const STDERR_LINES_PER_MINUTE = 600;

/**
 * A fixed budget of lines per minute, so a process that floods stderr cannot flood the gateway's
 * log (nor its refused connections the audit log, sandbox-network.ts). `take` answers null when
 * the line is not to be written, else how many were skipped since the last one written.
 */
export class LineBudget {
  private window = -1;
  private used = 0;
  private skipped = 0;
  constructor(private readonly perMinute: number) {}
  take(now: number): number | null {
    const window = Math.floor(now / 60_000);
    if (window !== this.window) {
      this.window = window;
      this.used = 0;
    }
    if (this.used >= this.perMinute) {
      this.skipped += 1;
      return null;
    }
    this.used += 1;
    const skipped = this.skipped;
    this.skipped = 0;
    return skipped;
  }
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

/** How a process is started: what prlimit runs, with which environment, and what it gets. */
type Launch = {
  argv: string[];
  env: Record<string, string>;
  /** the init's instructions (sandbox-init.mjs), written to its fd 3 */
  initPlan: Record<string, unknown> | null;
  network: StdioNetworkMode;
  /** the user the spawn itself switches to, where neither unshare nor the init does */
  spawnAs: { uid: number; gid: number } | null;
};

/**
 * The network stdio processes get here: the configured one (GATEHOUSE_STDIO_NETWORK), or null
 * where it needs a network namespace that cannot be made here (spawns are then refused), for the
 * settings page.
 */
export async function effectiveStdioNetwork(): Promise<{
  configured: StdioNetworkMode;
  effective: StdioNetworkMode | null;
}> {
  const configured = gatewayEnv().GATEHOUSE_STDIO_NETWORK;
  if (configured === "host") return { configured, effective: "host" };
  const usable = INIT_TOOLS ? await usableUnshare(initUnshareOptions(), { retryFailure: true }) : null;
  return { configured, effective: usable ? configured : null };
}

/**
 * What can be covered without covering the tools the init still needs while it covers (mount,
 * setpriv, ip): a directory holding any of those is left visible. (The process's own directory is
 * reached through /run/gatehouse, its HOME bound back, what else it needs shown read-only.)
 */
function hiddenIn(paths: HiddenPaths, needed: string[]): HiddenPaths {
  return {
    dirs: paths.dirs.filter((dir) => !needed.some((file) => isInside(file, dir))),
    files: paths.files,
  };
}

/** The installation of the node binary the gateway runs (its bin/, lib/ with npm). */
const NODE_PREFIX = (() => {
  try {
    return path.dirname(path.dirname(realpathSync(process.execPath)));
  } catch {
    return path.dirname(path.dirname(process.execPath));
  }
})();

/**
 * The directories a process sees read-only, even where they sit inside what is covered: the
 * gateway's project (its code and node_modules, in /tmp for a CI checkout), and, where they are
 * inside a hidden directory, the gateway's node installation (under nvm, volta or fnm it is in the
 * gateway user's home) and the directory of an absolute command. One inside another is left to
 * the outer one.
 */
function shownReadOnly(hidden: HiddenPaths, command: string): string[] {
  const insideHidden = (dir: string) => hidden.dirs.some((hiddenDir) => isInside(dir, hiddenDir));
  const wanted = new Set([
    PROJECT_DIR,
    ...[NODE_PREFIX, ...(path.isAbsolute(command) ? [path.dirname(command)] : [])].filter(insideHidden),
  ]);
  return [...wanted].filter((dir) => ![...wanted].some((other) => other !== dir && isInside(dir, other)));
}

/** A process's own directory on the host: its HOME, its private /tmp, its egress socket. */
type ProcessDirs = { base: string; home: string; tmp: string; egressSocket: string };

async function planLaunch(
  options: SandboxOptions,
  user: { uid: number; gid: number } | null,
  dirs: ProcessDirs,
  env: Record<string, string>,
  startEgress: () => Promise<void>,
): Promise<Launch> {
  const { command, args, log } = options;
  const requested = options.network.mode ?? gatewayEnv().GATEHOUSE_STDIO_NETWORK;
  if (requested !== "host") {
    const unshare = INIT_TOOLS ? await usableUnshare(initUnshareOptions(), { retryFailure: true }) : null;
    if (!unshare || !INIT_TOOLS)
      throw new UpstreamFailure(
        "unreachable",
        `This host cannot give stdio servers a network of their own (GATEHOUSE_STDIO_NETWORK=${requested} needs unshare permitted to make network namespaces, setpriv, mount and ip), so the server was not started. An operator can set GATEHOUSE_STDIO_NETWORK=host to run stdio servers on the host's network.`,
      );
    const hidden = hiddenIn(
      options.hide ?? gatewaySecretPaths(gatewayEnv().dataDir, PROJECT_DIR, homedir()),
      [INIT_TOOLS.setpriv, INIT_TOOLS.mount, INIT_TOOLS.ip],
    );
    await mkdir(dirs.tmp, { mode: 0o700 });
    if (user !== null) await chown(dirs.tmp, user.uid, user.gid);
    if (requested === "guarded") {
      await mkdir(path.dirname(dirs.egressSocket), { mode: 0o700 });
      await startEgress();
    }
    return {
      argv: [
        unshare,
        ...initUnshareOptions(),
        "--",
        process.execPath,
        "--max-old-space-size=32",
        INIT_TOOLS.script,
      ],
      // The init's own environment is empty: the server's values are no options of node's.
      env: {},
      initPlan: {
        command,
        args,
        env: requested === "guarded" ? { ...env, ...EGRESS_ENV } : env,
        base: dirs.base,
        home: dirs.home,
        tmpDirs: SHARED_TMP_DIRS,
        shm: SHARED_MEMORY_DIR,
        shown: shownReadOnly(hidden, command),
        hide: hidden,
        setpriv: INIT_TOOLS.setpriv,
        ip: INIT_TOOLS.ip,
        mount: INIT_TOOLS.mount,
        ...(user !== null && { runAs: user }),
        ...(requested === "guarded" && {
          egress: { socket: `/run/gatehouse/egress/${path.basename(dirs.egressSocket)}`, port: EGRESS_PORT },
        }),
      },
      network: requested,
      spawnAs: null,
    };
  }
  const isolation = unshareOptions(user);
  const isolated = await usableUnshare(isolation);
  if (!isolated)
    log.warn(
      "unshare is not installed or not permitted: the stdio process shares the gateway's PID namespace and /proc",
    );
  return {
    argv: isolated ? [isolated, ...isolation, "--", command, ...args] : [command, ...args],
    env,
    initPlan: null,
    network: "host",
    // Without unshare, the user is changed by the spawn itself.
    spawnAs: isolated ? null : user,
  };
}

export async function spawnSandboxed(options: SandboxOptions): Promise<SandboxedProcess> {
  const { command, limits, log } = options;
  const user = switchTo(options.runAs ?? stdioIdentityOf(gatewayEnv().GATEHOUSE_STDIO_RUN_AS));
  // The process's own directory: the user it runs as may pass through (0711), not list it.
  const base = await mkdtemp(path.join(PROCESS_DIRS_PARENT, "gatehouse-stdio-"));
  const dirs: ProcessDirs = {
    base,
    home: path.join(base, "home"),
    tmp: path.join(base, "tmp"),
    egressSocket: path.join(base, "egress", "proxy.sock"),
  };
  let egress: EgressProxy | null = null;
  const cleanUp = async () => {
    await egress?.close();
    await rm(base, { recursive: true, force: true });
  };
  let launch: Launch;
  try {
    await chmod(base, 0o711);
    await mkdir(dirs.home, { mode: 0o700 });
    if (user !== null) await chown(dirs.home, user.uid, user.gid);
    launch = await planLaunch(
      options,
      user,
      dirs,
      buildStdioEnv(limits, dirs.home, options.fields),
      async () => {
        egress = await startEgressProxy({
          socketPath: dirs.egressSocket,
          policy: options.network.policy,
          log,
          onRefused: options.network.onRefused,
        });
      },
    );
  } catch (error) {
    await cleanUp();
    if (error instanceof UpstreamFailure) throw error;
    throw new UpstreamFailure("unreachable", "The server process could not be started.", { cause: error });
  }
  // prlimit sets its limits and becomes unshare, which starts the command (or the init) in the new
  // namespaces.
  const [file = command, ...argv] = PRLIMIT
    ? [
        PRLIMIT,
        `--cpu=${limits.cpuSeconds}`,
        `--as=${limits.addressSpaceBytes}`,
        `--nofile=${limits.openFiles}`,
        `--fsize=${limits.fileSizeBytes}`,
        `--nproc=${limits.userTasks}`,
        "--",
        ...launch.argv,
      ]
    : launch.argv;
  if (!PRLIMIT) log.warn("prlimit is not installed: the stdio process runs without resource limits");

  let child: ChildProcess;
  try {
    child = spawn(file, argv, {
      env: launch.env as NodeJS.ProcessEnv,
      ...(launch.spawnAs !== null && { uid: launch.spawnAs.uid, gid: launch.spawnAs.gid }),
      cwd: dirs.home,
      shell: false,
      detached: true,
      stdio: launch.initPlan ? ["pipe", "pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe"],
    });
  } catch (error) {
    await cleanUp();
    throw new UpstreamFailure("unreachable", "The server process could not be started.", { cause: error });
  }
  if (launch.initPlan) {
    const instructions = child.stdio[3] as Writable;
    instructions.on("error", () => {});
    instructions.end(JSON.stringify(launch.initPlan));
  }
  const spawned = await new Promise<boolean>((resolve) => {
    child.once("spawn", () => resolve(true));
    child.once("error", () => resolve(false));
  });
  const pid = child.pid;
  if (!spawned || pid === undefined) {
    await cleanUp();
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
      const grace = setTimeout(() => killGroup("SIGKILL"), limits.killGraceMs);
      grace.unref();
      await exitPromise;
      clearTimeout(grace);
      // children that ignored SIGTERM go with the group
      killGroup("SIGKILL");
      return;
    }
    await exitPromise;
  };

  const stderr = new RingBuffer(limits.stderrBufferBytes);
  const stderrLog = new LineBudget(STDERR_LINES_PER_MINUTE);
  let pendingLine = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr.push(chunk);
    const lines = (pendingLine + chunk.toString("utf8")).split("\n");
    pendingLine = (lines.pop() ?? "").slice(0, MAX_STDERR_LINE);
    for (const line of lines) {
      if (line.trim() === "") continue;
      const skipped = stderrLog.take(Date.now());
      if (skipped === null) continue;
      log.info(
        { pid, stderr: line.slice(0, MAX_STDERR_LINE), ...(skipped > 0 && { skippedLines: skipped }) },
        "stdio server stderr",
      );
    }
  });

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
      if (line !== "") options.onLine(line);
    }
    if (start < chunk.byteLength) {
      buffered.push(chunk.subarray(start));
      bufferedBytes += chunk.byteLength - start;
      if (bufferedBytes > options.maxLineBytes) {
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
    killGroup("SIGKILL");
    void cleanUp();
    options.onExit({ code, signal, stopped: killing });
  });

  return {
    pid,
    network: launch.network,
    stderrTail: () => stderr.text(),
    kill,
    send: (line) =>
      new Promise<void>((resolve, reject) => {
        if (exited || !child.stdin?.writable) {
          reject(new UpstreamFailure("unreachable", "The server process is not running."));
          return;
        }
        child.stdin.write(`${line}\n`, (error) =>
          error
            ? reject(new UpstreamFailure("unreachable", "The server process stopped reading."))
            : resolve(),
        );
      }),
  };
}
