import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";

/**
 * Runs `npm start` (server/runtime/bootstrap.mjs) as a person would and watches what it prints,
 * and finds the processes a run left behind by looking at every process's command line and
 * environment in /proc.
 */
export const ROOT = path.resolve(import.meta.dirname, "../../..");

export type GatehouseRun = {
  process: ChildProcess;
  output: () => string;
  /** resolves with the output once `pattern` appears; rejects when the process exits first */
  waitFor: (pattern: RegExp, timeoutMs: number) => Promise<string>;
  exited: Promise<number | null>;
};

export function startGatehouse(env: NodeJS.ProcessEnv): GatehouseRun {
  const child = spawn(process.execPath, [path.join(ROOT, "server/runtime/bootstrap.mjs")], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  return {
    process: child,
    output: () => output,
    exited,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (hasExited) {
          await delay(200); // let the last output arrive
          if (pattern.test(output)) break;
          throw new Error(`gatehouse exited (code ${child.exitCode}) before printing ${pattern}:\n${output}`);
        }
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`);
        await delay(200);
      }
      return output;
    },
  };
}

/** Send a signal and wait for the exit code; undefined when it did not exit in time. */
export async function stopGatehouse(
  run: GatehouseRun,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<number | null | undefined> {
  if (run.process.exitCode === null && run.process.signalCode === null) run.process.kill(signal);
  return Promise.race([run.exited, delay(timeoutMs).then(() => undefined)]);
}

function listen(port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(undefined));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => resolve(server));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A free port p with p+1 also free (the demo upstreams use both), from a high, quiet range. */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    const first = await listen(port);
    if (!first) continue;
    const second = await listen(port + 1);
    await close(first);
    if (!second) continue;
    await close(second);
    return port;
  }
  throw new Error("no free port pair found");
}

export async function freePort(): Promise<number> {
  const server = await listen(0);
  if (!server) throw new Error("could not bind an ephemeral port");
  const address = server.address();
  await close(server);
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
}

export type ProcessInfo = { pid: number; args: string[] };

function readProc(pid: string, file: string): string[] {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

function isZombie(pid: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true; // gone
  }
}

/**
 * Every live process whose command line mentions `dataDir` or one of `ports`, or whose environment
 * names `dataDir` as GATEHOUSE_DATA_DIR or one of `ports` as PORT (the demo upstreams get only PORT).
 */
export function findProcesses(markers: { dataDir: string; ports: number[] }): ProcessInfo[] {
  const portPatterns = markers.ports.map((port) => new RegExp(`(^|[^0-9])${port}($|[^0-9])`));
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid || isZombie(entry)) continue;
    const args = readProc(entry, "cmdline");
    const environment = readProc(entry, "environ");
    const matches =
      args.some(
        (arg) => arg.includes(markers.dataDir) || portPatterns.some((pattern) => pattern.test(arg)),
      ) ||
      environment.includes(`GATEHOUSE_DATA_DIR=${markers.dataDir}`) ||
      markers.ports.some((port) => environment.includes(`PORT=${port}`));
    if (matches) found.push({ pid: Number(entry), args });
  }
  return found;
}

/** Poll until no matching process is left; returns the survivors (empty on success). */
export async function waitForNoProcesses(
  markers: { dataDir: string; ports: number[] },
  timeoutMs: number,
): Promise<ProcessInfo[]> {
  const deadline = Date.now() + timeoutMs;
  let survivors = findProcesses(markers);
  while (survivors.length > 0 && Date.now() < deadline) {
    await delay(250);
    survivors = findProcesses(markers);
  }
  return survivors;
}

/** Last resort for a failed test: SIGKILL what this test started, by pid. */
export function killProcesses(processes: ProcessInfo[]): void {
  for (const { pid } of processes) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
