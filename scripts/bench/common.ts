/**
 * What `npm run bench` (run.ts) and `npm run soak` (soak.ts) share: the participants as child
 * processes (child.ts, and the mcp-proxy CLI with probe-preload.ts), and the load generator: raw
 * JSON-RPC over keep-alive HTTP on pre-initialized sessions (the SDK Client would cost more CPU per
 * call than the proxies under test).
 */
import { type ChildProcess, fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import { connect, createServer } from "node:net";
import path from "node:path";
import type { Redis } from "ioredis";
import pg from "pg";
import { APP_ENV_DEFAULTS, APP_NODE_FLAGS } from "@/server/runtime/children";
import type { Usage } from "./probe";

export type { Usage };
export type Child = {
  process: ChildProcess;
  port: number;
  /** CPU, counters and memory; `collect: false` skips the forced GC (memory then includes garbage) */
  usage: (options?: { collect?: boolean }) => Promise<Usage>;
  /** starts a CPU profile of the process; the returned function stops it and writes `file` */
  profile: () => Promise<(file: string) => Promise<void>>;
  stop: () => Promise<void>;
};

function handle(child: ChildProcess, port: number): Child {
  return {
    process: child,
    port,
    usage: (options) =>
      new Promise((resolve) => {
        child.once("message", (message: Usage) => resolve(message));
        child.send({ cmd: "usage", collect: options?.collect ?? true });
      }),
    profile: async () => {
      await new Promise((resolve) => {
        child.once("message", resolve);
        child.send({ cmd: "profile-start" });
      });
      return (file) =>
        new Promise((resolve) => {
          child.once("message", () => resolve());
          child.send({ cmd: "profile-stop", file });
        });
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.send({ cmd: "stop" });
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      }),
  };
}

const CHILD = path.join(import.meta.dirname, "child.ts");

/** Gatehouse runs measured at its default log level (server/env.ts), so its logging costs count. */
export const PRODUCTION_LOG_LEVEL = "info";

/** A child.ts participant (upstream, relay, fast, route); resolves once it listens. */
export async function startChild(mode: string, env: Record<string, string> = {}): Promise<Child> {
  const child = fork(CHILD, [mode], {
    execArgv: [
      // Gatehouse's processes run with the flags `npm start` gives its app process.
      ...(mode === "fast" || mode === "route" ? APP_NODE_FLAGS : []),
      "--import",
      "tsx",
      "--expose-gc",
      ...(process.env.BENCH_TRACE_GC ? ["--trace-gc"] : []),
    ],
    // ... and its environment defaults.
    env: { ...(mode === "fast" || mode === "route" ? APP_ENV_DEFAULTS : {}), ...process.env, ...env },
    // Logs go to a pipe, as in production (a supervisor or a log collector reads them), and are
    // drained here; only errors and fatal lines (pino levels 50 and 60) are shown.
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  let partial = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) if (/"level":[56]0/.test(line)) process.stderr.write(`${mode}: ${line}\n`);
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message: { port: number }) => resolve(message.port));
    child.once("exit", (code) => reject(new Error(`${mode} exited ${code}`)));
  });
  return handle(child, port);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * mcp-proxy (npm), run as its README says: its CLI with the stdio server after `--`, here
 * child.ts's stdio-upstream (same answers as the HTTP upstream). Its defaults are kept (event store
 * on, both /mcp and /sse), apart from the port and the loopback host. probe-preload.ts is loaded into
 * its process so its CPU and memory are reported like the others'. The CLI prints its port before it
 * listens, so readiness is a TCP connect.
 */
export async function startMcpProxy(): Promise<Child> {
  const require = createRequire(import.meta.url);
  const bin = path.join(path.dirname(require.resolve("mcp-proxy/package.json")), "dist/bin/mcp-proxy.mjs");
  const port = await freePort();
  const child = fork(
    bin,
    [
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--",
      process.execPath,
      "--import",
      "tsx",
      CHILD,
      "stdio-upstream",
    ],
    {
      execArgv: [
        "--import",
        "tsx",
        "--import",
        path.join(import.meta.dirname, "probe-preload.ts"),
        "--expose-gc",
      ],
      // stdout: one line per GET stream ("establishing new SSE stream ..."); stderr stays visible.
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    },
  );
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const deadline = Date.now() + 30_000;
  while (!(await accepts(port))) {
    if (exited) throw new Error("mcp-proxy exited before listening");
    if (Date.now() > deadline) throw new Error("mcp-proxy did not listen within 30 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return handle(child, port);
}

export type Target = {
  name: string;
  url: string;
  token?: string;
  child?: Child;
  /** CPU (µs) the database server has spent so far serving this target (see databaseCpu) */
  databaseCpu?: () => Promise<number>;
};

/** Linux reports process CPU in clock ticks of 10 ms (`getconf CLK_TCK` is 100 on every Linux/x86). */
const MICROS_PER_TICK = 10_000;

/** utime + stime of a process in µs, or 0 once it has exited (or off Linux). */
function processCpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * MICROS_PER_TICK;
  } catch {
    return 0;
  }
}

/**
 * The CPU PostgreSQL's backends have spent on database `name` so far (µs): the audit INSERTs and
 * any other query a Gatehouse target sends. PostgreSQL runs on the same cores as the participants,
 * so this is machine time a call costs beyond the proxy's own CPU. The WAL writer and other shared
 * background processes are not counted. Backends that exit between two readings drop out of the
 * sum, so read it around phases shorter than the pools' 30 s idle timeout.
 */
export function databaseCpu(adminUrl: string, name: string): () => Promise<number> {
  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        [name],
      );
      return rows.reduce((sum, row) => sum + processCpuMicros(row.pid), 0);
    } finally {
      await client.end();
    }
  };
}

export const agent = new Agent({ keepAlive: true, maxSockets: 128 });
// Long-lived GET streams get their own sockets: on the POST pool they would block the calls.
const sseAgent = new Agent({ keepAlive: false });

export function post(
  target: Target,
  body: unknown,
  sessionId?: string,
): Promise<{ status: number; sessionId?: string; text: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const url = new URL(target.url);
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        agent,
        headers: {
          accept: "application/json, text/event-stream",
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
          ...(target.token && { authorization: `Bearer ${target.token}` }),
          ...(sessionId && { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            sessionId: res.headers["mcp-session-id"] as string | undefined,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

export async function openSession(target: Target): Promise<string> {
  const init = await post(target, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
  });
  if (init.status !== 200 || !init.sessionId)
    throw new Error(`${target.name}: initialize ${init.status} ${init.text}`);
  const done = await post(target, { jsonrpc: "2.0", method: "notifications/initialized" }, init.sessionId);
  if (done.status !== 202) throw new Error(`${target.name}: initialized ${done.status}`);
  return init.sessionId;
}

export async function callTool(target: Target, sessionId: string, id: number): Promise<boolean> {
  const answer = await post(
    target,
    { jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { n: id } } },
    sessionId,
  );
  return answer.status === 200 && answer.text.includes('"result"');
}

/** How long a GET may go without response headers before the stream counts as open anyway. */
const SILENT_STREAM_MS = 1_000;

export type Stream = {
  close: () => void;
  /** true once the server ended the stream (or the connection failed) before we closed it */
  isEnded: () => boolean;
  /** for an ended stream: how long it lasted and the last bytes it got (why it ended) */
  ending: () => string;
};

/**
 * Opens a GET SSE stream; resolves on its 200 response headers (neither Gatehouse nor mcp-proxy
 * writes a byte of body on an idle GET stream before a keep-alive), or after SILENT_STREAM_MS
 * without an error: mcp-proxy does not even flush the headers of an idle stream.
 */
export function openStream(target: Target, sessionId: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    let isClosing = false;
    let isEnded = false;
    let ending = "";
    let lastBytes = "";
    const openedAt = performance.now();
    const end = (why: string) => {
      if (isClosing || isEnded) return;
      isEnded = true;
      ending = `${why} after ${((performance.now() - openedAt) / 1000).toFixed(1)}s, last bytes ${JSON.stringify(lastBytes.slice(-80))}`;
    };
    const stream: Stream = {
      close: () => {
        isClosing = true;
        req.destroy();
      },
      isEnded: () => isEnded,
      ending: () => ending,
    };
    const url = new URL(target.url);
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "GET",
        agent: sseAgent,
        headers: {
          accept: "text/event-stream",
          "mcp-session-id": sessionId,
          "mcp-protocol-version": "2025-11-25",
          ...(target.token && { authorization: `Bearer ${target.token}` }),
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          clearTimeout(silent);
          res.resume();
          reject(new Error(`${target.name}: GET ${res.statusCode}`));
          return;
        }
        clearTimeout(silent);
        resolve(stream);
        res.on("data", (chunk: Buffer) => {
          lastBytes = chunk.toString("utf8");
        });
        res.once("close", () => end("closed"));
      },
    );
    const silent = setTimeout(() => resolve(stream), SILENT_STREAM_MS);
    req.on("error", (error) => {
      clearTimeout(silent);
      end(`error ${error.message}`);
      reject(error);
    });
    req.end();
  });
}

export function deleteSession(target: Target, sessionId: string): Promise<number> {
  return new Promise((resolve) => {
    const url = new URL(target.url);
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "DELETE",
        agent,
        headers: {
          "mcp-session-id": sessionId,
          "mcp-protocol-version": "2025-11-25",
          ...(target.token && { authorization: `Bearer ${target.token}` }),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", () => resolve(0));
    req.end();
  });
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight; failures are counted, not thrown. */
export async function inPool<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<{ results: T[]; failures: number; firstError?: unknown }> {
  const results: T[] = [];
  let failures = 0;
  let firstError: unknown;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        try {
          results.push(await task(index));
        } catch (error) {
          failures += 1;
          firstError ??= error;
        }
      }
    }),
  );
  return { results, failures, ...(firstError !== undefined && { firstError }) };
}

async function withRedis<T>(use: (client: Redis) => Promise<T>): Promise<T> {
  const ioredis = await import("ioredis");
  const client = new ioredis.Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
    maxRetriesPerRequest: 1,
  });
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** `used_memory` from INFO memory: the whole server's, so other users of this Redis show up too. */
export function redisUsed(): Promise<number> {
  return withRedis(async (client) => {
    const info = await client.info("memory");
    return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
  });
}

/** MEMORY USAGE summed over the keys under `prefix`: this run's keys only. */
export function redisPrefixBytes(prefix: string): Promise<{ keys: number; bytes: number }> {
  return withRedis(async (client) => {
    let cursor = "0";
    let keys = 0;
    let bytes = 0;
    do {
      const [next, batch] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      const pipeline = client.pipeline();
      for (const key of batch) pipeline.memory("USAGE", key);
      for (const [, value] of (await pipeline.exec()) ?? []) bytes += Number(value ?? 0);
      keys += batch.length;
    } while (cursor !== "0");
    return { keys, bytes };
  });
}

/** The open-files limit this process runs with (Node raises its soft limit to the hard one at start). */
export function openFilesLimit(): number {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("Max open files"));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === "unlimited" ? Number.POSITIVE_INFINITY : Number(soft);
}

export const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number);

export type Phase = {
  rps: number;
  p50: number;
  p99: number;
  calls: number;
  errors: number;
  cpuPerCallUs?: number;
  /** the database server's CPU per call (Gatehouse targets: the audit rows) */
  databaseCpuPerCallUs?: number;
  initsPerCall?: number;
};

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * One phase standing for several runs of it: the median of each figure, calls and errors summed,
 * and the highest rate of upstream initializes (a single one is worth seeing).
 */
export function medianPhase(phases: Phase[]): Phase {
  const of = (pick: (phase: Phase) => number | undefined) => {
    const values = phases.map(pick).filter((value): value is number => value !== undefined);
    return values.length === 0 ? undefined : median(values);
  };
  const inits = phases.map((phase) => phase.initsPerCall).filter((value) => value !== undefined);
  const cpuPerCallUs = of((phase) => phase.cpuPerCallUs);
  const databaseCpuPerCallUs = of((phase) => phase.databaseCpuPerCallUs);
  return {
    rps: of((phase) => phase.rps) ?? 0,
    p50: of((phase) => phase.p50) ?? 0,
    p99: of((phase) => phase.p99) ?? 0,
    calls: phases.reduce((sum, phase) => sum + phase.calls, 0),
    errors: phases.reduce((sum, phase) => sum + phase.errors, 0),
    ...(cpuPerCallUs !== undefined && { cpuPerCallUs }),
    ...(databaseCpuPerCallUs !== undefined && { databaseCpuPerCallUs }),
    ...(inits.length > 0 && { initsPerCall: Math.max(...inits) }),
  };
}

/**
 * `concurrency` sessions each send tools/call back to back for `seconds`. The proxy's CPU comes
 * from its own process; upstream initializes per call only when the upstream is ours to ask.
 */
export async function load(
  target: Target,
  sessions: string[],
  concurrency: number,
  seconds: number,
  upstream?: Child,
  /** writes a CPU profile of the target's process over this phase */
  profileFile?: string,
): Promise<Phase> {
  const latencies: number[] = [];
  let errors = 0;
  let id = 1;
  // No forced GC around a load phase (see probe.ts): only CPU and counters are read here.
  const before = await target.child?.usage({ collect: false });
  const upstreamBefore = await upstream?.usage({ collect: false });
  const databaseBefore = await target.databaseCpu?.();
  const stopProfile = profileFile ? await target.child?.profile() : undefined;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    sessions.slice(0, concurrency).map(async (sessionId) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const isOk = await callTool(target, sessionId, id++).catch(() => false);
        latencies.push(performance.now() - t0);
        if (!isOk) errors += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  if (profileFile) await stopProfile?.(profileFile);
  const after = await target.child?.usage({ collect: false });
  const upstreamAfter = await upstream?.usage({ collect: false });
  const databaseAfter = await target.databaseCpu?.();
  latencies.sort((a, b) => a - b);
  const calls = latencies.length;
  const cpu =
    before && after ? after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system : undefined;
  return {
    rps: calls / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    calls,
    errors,
    ...(cpu !== undefined && { cpuPerCallUs: cpu / calls }),
    ...(databaseBefore !== undefined &&
      databaseAfter !== undefined && { databaseCpuPerCallUs: (databaseAfter - databaseBefore) / calls }),
    ...(upstreamBefore &&
      upstreamAfter && { initsPerCall: (upstreamAfter.initializes - upstreamBefore.initializes) / calls }),
  };
}

export const memOf = (usage: Usage) => usage.mem.heapUsed + usage.mem.external + usage.mem.arrayBuffers;

export const MB = 2 ** 20;

export const verdict = (isMet: boolean) => (isMet ? "PASS" : "MISS");
