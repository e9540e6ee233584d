import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import { UpstreamFailure } from "../upstream/http-client";

/**
 * One stdio MCP server process started the way PROTOCOL X2 asks, whoever starts it (the proxy's
 * supervisor for a session, the worker's discovery for a catalog entry). The caller has already
 * matched the command against the admin's templates; here:
 *
 * - argv is an array, `shell: false`, the process leads its own process group (`detached`);
 * - the environment is built from nothing: a fixed PATH, HOME (a fresh temp dir, also the cwd,
 *   removed when the process ends), LANG, and the caller's fields. Nothing of the gateway's own
 *   environment (DATABASE_URL, keys, GATEHOUSE_*) is passed;
 * - CPU seconds, address space and open files are limited through util-linux `prlimit` when present
 *   (warned once per spawn when absent);
 * - stopping is SIGTERM to the group, SIGKILL after a grace; the group is killed when it exits too;
 * - stdout is split into lines (newline-delimited JSON-RPC) with a cap per line; stderr goes to a
 *   bounded ring buffer and to the log line by line (truncated); the environment is never logged.
 */

export type SandboxLimits = {
  safePath: string;
  cpuSeconds: number;
  addressSpaceBytes: number;
  openFiles: number;
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
};

const PRLIMIT = ["/usr/bin/prlimit", "/bin/prlimit"].find((candidate) => existsSync(candidate)) ?? null;
const MAX_STDERR_LINE = 1_000;

export function buildStdioEnv(
  limits: Pick<SandboxLimits, "safePath">,
  home: string,
  fields: Record<string, string>,
): Record<string, string> {
  return { ...fields, PATH: limits.safePath, HOME: home, LANG: "C.UTF-8" };
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

export async function spawnSandboxed(options: SandboxOptions): Promise<SandboxedProcess> {
  const { command, args, limits, log } = options;
  const home = await mkdtemp(path.join(tmpdir(), "gatehouse-stdio-"));
  const env = buildStdioEnv(limits, home, options.fields);
  const [file, argv] = PRLIMIT
    ? [
        PRLIMIT,
        [
          `--cpu=${limits.cpuSeconds}`,
          `--as=${limits.addressSpaceBytes}`,
          `--nofile=${limits.openFiles}`,
          "--",
          command,
          ...args,
        ],
      ]
    : [command, args];
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
  let pendingLine = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr.push(chunk);
    const lines = (pendingLine + chunk.toString("utf8")).split("\n");
    pendingLine = (lines.pop() ?? "").slice(0, MAX_STDERR_LINE);
    for (const line of lines)
      if (line.trim() !== "")
        log.info({ pid, stderr: line.slice(0, MAX_STDERR_LINE) }, "stdio server stderr");
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
    void rm(home, { recursive: true, force: true });
    options.onExit({ code, signal, stopped: killing });
  });

  return {
    pid,
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
