import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { say, warn } from "./output";
import { isGroupAlive, signalGroup, waitUntil } from "./processes";
import { StartupError, type Supervisor } from "./supervisor";

/**
 * Child processes of `npm start`. Each runs in its own process group (detached), so stopping it
 * signals the whole group and grandchildren (next build workers, tsx) go too, and a Ctrl-C in the
 * terminal reaches only the supervisor, which then stops children in order. Output goes to
 * `<data>/logs/<name>.log`; the last lines are kept to explain a crash, and warnings and errors
 * from the app and worker are echoed to the terminal.
 */

export type ChildSpec = {
  /** shown to people: "app", "worker", "redis", "build", ... */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  phase: number;
  /** where all output goes (appended); none when undefined */
  logFile?: string;
  /** to the terminal: pino warnings/errors and plain stderr lines, or every line */
  echo?: "warnings" | "all";
  stopSignal?: NodeJS.Signals;
  /** how long the child may take to stop before its group gets SIGKILL */
  stopTimeoutMs?: number;
  /** a command that is expected to exit (the build): its exit is not a crash */
  oneShot?: boolean;
};

export type ChildExit = { code: number | null; signal: NodeJS.Signals | null; error?: Error };

const TAIL_LINES = 30;
const PINO_LEVELS: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/** A pino JSON line as "level: message (error)"; any other line unchanged. */
export function readableLine(line: string): { text: string; level: number } {
  if (!line.startsWith("{")) return { text: line, level: 0 };
  try {
    const entry = JSON.parse(line) as { level?: unknown; msg?: unknown; err?: { message?: unknown } };
    const level = typeof entry.level === "number" ? entry.level : 30;
    const error = typeof entry.err?.message === "string" ? `: ${entry.err.message}` : "";
    return { text: `${PINO_LEVELS[level] ?? level}: ${String(entry.msg ?? "")}${error}`, level };
  } catch {
    return { text: line, level: 0 };
  }
}

export class ChildExitedError extends StartupError {
  constructor(name: string, exit: ChildExit, tail: string[]) {
    const how = exit.error
      ? `could not be started (${exit.error.message})`
      : exit.signal
        ? `was killed by ${exit.signal}`
        : `exited with code ${exit.code}`;
    const lines = tail.length > 0 ? `\nIts last output:\n${tail.map((line) => `  ${line}`).join("\n")}` : "";
    super(`The ${name} process ${how} unexpectedly.${lines}`);
    this.name = "ChildExitedError";
  }
}

export class Child {
  readonly exited: Promise<ChildExit>;
  private readonly tailLines: string[] = [];
  private readonly log: WriteStream | undefined;
  private readonly process: ChildProcess;
  private hasExited = false;
  private isStopRequested = false;

  constructor(
    supervisor: Supervisor,
    readonly spec: ChildSpec,
  ) {
    if (supervisor.isStopping) throw new StartupError(`not starting ${spec.name}: Gatehouse is stopping`);
    this.log = spec.logFile ? createWriteStream(spec.logFile, { flags: "a" }) : undefined;
    this.log?.on("error", () => undefined);
    this.process = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.log?.write(
      `--- ${new Date().toISOString()} started ${spec.name} (pid ${this.process.pid ?? "?"})\n`,
    );
    if (this.process.stdout) this.collect(this.process.stdout, false);
    if (this.process.stderr) this.collect(this.process.stderr, true);

    const unregister = supervisor.add({
      name: spec.name,
      phase: spec.phase,
      stop: () => this.stop(),
      emergency: () => this.pid !== undefined && signalGroup(this.pid, "SIGKILL"),
    });

    this.exited = new Promise<ChildExit>((resolve) => {
      const settle = (exit: ChildExit) => {
        if (this.hasExited) return;
        this.hasExited = true;
        unregister();
        this.log?.write(
          `--- ${new Date().toISOString()} ${spec.name} exited (code ${exit.code}, signal ${exit.signal})\n`,
        );
        this.log?.end();
        // Grandchildren the leader left behind are orphans now; they go with the group.
        if (this.pid !== undefined && isGroupAlive(this.pid)) signalGroup(this.pid, "SIGKILL");
        if (!spec.oneShot && !this.isStopRequested && !supervisor.isStopping)
          void supervisor.fail(new ChildExitedError(spec.name, exit, this.tail()));
        resolve(exit);
      };
      // "error" without a pid: the command could not be spawned at all (ENOENT, EACCES).
      this.process.on("error", (error) => {
        if (this.process.pid === undefined) settle({ code: null, signal: null, error });
      });
      // Wait briefly for the pipes to drain so a crash report shows the child's last words.
      const closed = new Promise<void>((resolveClosed) => this.process.once("close", () => resolveClosed()));
      this.process.once("exit", (code, signal) => {
        void Promise.race([closed, new Promise((wait) => setTimeout(wait, 500))]).then(() =>
          settle({ code, signal }),
        );
      });
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** The last lines of output, pino lines made readable. */
  tail(count = TAIL_LINES): string[] {
    return this.tailLines.slice(-count);
  }

  /** Signal the group, wait for the leader, SIGKILL the group if it takes too long. */
  async stop(): Promise<void> {
    this.isStopRequested = true;
    const pid = this.pid;
    if (pid === undefined) return;
    if (!this.hasExited) {
      signalGroup(pid, this.spec.stopSignal ?? "SIGTERM");
      const timeout = this.spec.stopTimeoutMs ?? 20_000;
      const hasStopped = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeout).unref()),
      ]);
      if (!hasStopped) {
        warn(`  ${this.spec.name} did not stop within ${timeout / 1000} s; killing it`);
        signalGroup(pid, "SIGKILL");
        await this.exited;
      }
    }
    if (isGroupAlive(pid)) {
      signalGroup(pid, "SIGKILL");
      await waitUntil(() => !isGroupAlive(pid), 3_000);
    }
  }

  private collect(stream: NodeJS.ReadableStream, isStderr: boolean): void {
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on("line", (line) => {
      if (this.log && !this.log.writableEnded) this.log.write(`${line}\n`);
      if (!line.trim()) return;
      const readable = readableLine(line);
      const text = readable.text.length > 400 ? `${readable.text.slice(0, 400)}…` : readable.text;
      this.tailLines.push(text);
      if (this.tailLines.length > TAIL_LINES * 2) this.tailLines.splice(0, TAIL_LINES);
      if (this.spec.echo === "all") say(line);
      else if (this.spec.echo === "warnings" && (readable.level >= 40 || (isStderr && readable.level === 0)))
        warn(`  [${this.spec.name}] ${text}`);
    });
  }
}

export function spawnChild(supervisor: Supervisor, spec: ChildSpec): Child {
  return new Child(supervisor, spec);
}

const EXIT_WITH_PARENT = pathToFileURL(path.join(import.meta.dirname, "exit-with-parent.mjs")).href;

/**
 * V8 flags of the app process (the HTTP front and the MCP proxy). Young-generation semi-spaces of
 * 32 MB instead of V8's 16 MB: the proxy allocates short-lived objects on every relayed message, and
 * with the larger nursery it scavenges half as often and promotes less. Measured with `npm run bench`
 * at 16 sessions, interleaved: 489–503 µs of CPU per call with 16 MB, 453–486 with 32 MB, 476–500
 * with 64 MB; about 5% less, for at most about 32 MB more memory under load.
 */
export const APP_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32"];

/**
 * Environment defaults of the app process (an operator's own value wins). At most two glibc malloc
 * arenas instead of up to eight per core: the proxy's native allocations (sockets, buffers, the pg
 * and undici parsers, V8's and libuv's threads) otherwise spread over arenas that keep what they
 * freed. `npm run soak`, 10 minutes, back to back: RSS 299 → 314 MB (+5.2%, moving by ±10 MB
 * between samples) with glibc's default, 280 → 275 MB (−1.7%, within ±3 MB) with two arenas, at the
 * same throughput (1.056 M and 1.049 M calls) and the same JavaScript heap (+1.3% in both).
 */
export const APP_ENV_DEFAULTS: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };

/** Arguments for a Node child: `script` with preloads, always including exit-with-parent.mjs. */
export function nodeArgs(script: string, args: string[] = [], preloads: string[] = []): string[] {
  return [...[EXIT_WITH_PARENT, ...preloads].flatMap((preload) => ["--import", preload]), script, ...args];
}
