/**
 * `npm run bench`: tools/call throughput and latency through Gatehouse against a direct upstream
 * and a bare relay, on this machine, in one run. See /tmp/briefs/bench-readme.md for what is
 * measured. Flags: --quick (short phases), --seconds N (per phase), --targets direct,relay,fast,route
 *
 * Upstream: a raw node:http JSON-RPC MCP upstream (scripts/bench/child.ts), not the SDK, so the
 * upstream costs as little as possible and the gateway is what is measured. Load generator: raw
 * JSON-RPC over keep-alive HTTP (node:http Agent) on pre-initialized sessions.
 */
import { type ChildProcess, fork } from "node:child_process";
import { Agent, request as httpRequest } from "node:http";
import os from "node:os";
import path from "node:path";
import {
  cleanupGatehouseEnv,
  type GatehouseEnv,
  prepareGatehouseEnv,
  seedConnection,
} from "../lib/gatehouse";

const quick = process.argv.includes("--quick");
function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}
const SECONDS = Number(flag("seconds") ?? (quick ? 1.5 : 5));
const CONCURRENCY = (flag("concurrency") ?? "1,16,64").split(",").map(Number);
const TARGETS = (flag("targets") ?? "direct,relay,fast,route").split(",");
const IDLE_SESSIONS = quick ? 100 : 300;
const SSE_STREAMS = quick ? 50 : 150;
const SETUP_SESSIONS = quick ? 64 : 200;

type Usage = {
  cpu: NodeJS.CpuUsage;
  mem: NodeJS.MemoryUsage;
  initializes: number;
  calls: number;
};
type Child = { process: ChildProcess; port: number; usage: () => Promise<Usage>; stop: () => Promise<void> };

async function startChild(mode: string, env: Record<string, string> = {}): Promise<Child> {
  const profile = flag("profile");
  const child = fork(path.join(import.meta.dirname, "child.ts"), [mode], {
    execArgv: [
      "--import",
      "tsx",
      "--expose-gc",
      ...(profile && (mode === "fast" || mode === "route")
        ? ["--cpu-prof", `--cpu-prof-dir=${profile}`]
        : []),
    ],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message: { port: number }) => resolve(message.port));
    child.once("exit", (code) => reject(new Error(`${mode} exited ${code}`)));
  });
  return {
    process: child,
    port,
    usage: () =>
      new Promise((resolve) => {
        child.once("message", (message: Usage) => resolve(message));
        child.send({ cmd: "usage" });
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.send({ cmd: "stop" });
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      }),
  };
}

type Target = { name: string; url: string; token?: string; child?: Child };

const agent = new Agent({ keepAlive: true, maxSockets: 128 });
const sseAgent = new Agent({ keepAlive: false });

function post(
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
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

async function openSession(target: Target): Promise<string> {
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

function openStream(target: Target, sessionId: string): Promise<() => void> {
  return new Promise((resolve, reject) => {
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
        if (res.statusCode !== 200) reject(new Error(`${target.name}: GET ${res.statusCode}`));
        res.once("data", () => resolve(() => req.destroy()));
      },
    );
    req.on("error", () => undefined);
    req.end();
  });
}

function deleteSession(target: Target, sessionId: string): Promise<void> {
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
        res.on("end", () => resolve());
      },
    );
    req.on("error", () => resolve());
    req.end();
  });
}

async function redisUsed(): Promise<number> {
  const { Redis } = await import("ioredis");
  const client = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
  try {
    const info = await client.info("memory");
    return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
  } finally {
    client.disconnect();
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number);

type Phase = {
  rps: number;
  p50: number;
  p99: number;
  calls: number;
  errors: number;
  cpuPerCallUs?: number;
  initsPerCall?: number;
};

async function load(
  target: Target,
  sessions: string[],
  concurrency: number,
  upstream: Child,
  seconds = SECONDS,
): Promise<Phase> {
  const latencies: number[] = [];
  let errors = 0;
  let id = 1;
  const before = await target.child?.usage();
  const upstreamBefore = await upstream.usage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    sessions.slice(0, concurrency).map(async (sessionId) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const answer = await post(
          target,
          { jsonrpc: "2.0", id: id++, method: "tools/call", params: { name: "echo", arguments: { n: id } } },
          sessionId,
        );
        latencies.push(performance.now() - t0);
        if (answer.status !== 200 || !answer.text.includes('"result"')) errors += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const after = await target.child?.usage();
  const upstreamAfter = await upstream.usage();
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
    initsPerCall: (upstreamAfter.initializes - upstreamBefore.initializes) / calls,
  };
}

const memOf = (usage: Usage) => usage.mem.heapUsed + usage.mem.external + usage.mem.arrayBuffers;

async function main() {
  const started = Date.now();
  const upstream = await startChild("upstream");
  const upstreamUrl = `http://127.0.0.1:${upstream.port}/mcp`;
  const targets: Target[] = [];
  let gatehouseEnv: GatehouseEnv | undefined;
  const results: Record<string, Record<string, unknown>> = {};
  try {
    if (TARGETS.includes("direct")) targets.push({ name: "direct", url: upstreamUrl });
    if (TARGETS.includes("relay")) {
      const relay = await startChild("relay", { TARGET_URL: upstreamUrl });
      targets.push({ name: "relay", url: `http://127.0.0.1:${relay.port}/mcp`, child: relay });
    }
    if (TARGETS.includes("fast") || TARGETS.includes("route")) {
      gatehouseEnv = await prepareGatehouseEnv("http://127.0.0.1:1");
      const { publicId, token } = await seedConnection(upstreamUrl);
      for (const mode of ["fast", "route"].filter((mode) => TARGETS.includes(mode))) {
        const child = await startChild(mode, gatehouseEnv.vars);
        targets.push({
          name: mode === "fast" ? "gatehouse fast path" : "gatehouse route handler",
          url: `http://127.0.0.1:${child.port}/mcp/${publicId}`,
          token,
          child,
        });
      }
    }
    for (const target of targets) {
      const row: Record<string, unknown> = {};
      // session set-up rate: initialize + initialized, 16 at a time
      const t0 = performance.now();
      const sessions: string[] = [];
      const queue = Array.from({ length: SETUP_SESSIONS }, (_, index) => index);
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (queue.pop() !== undefined) sessions.push(await openSession(target));
        }),
      );
      row.setupPerSecond = SETUP_SESSIONS / ((performance.now() - t0) / 1000);
      for (const concurrency of CONCURRENCY) {
        await load(target, sessions, concurrency, upstream, 0.5); // warm-up
        row[`c${concurrency}`] = await load(target, sessions, concurrency, upstream);
      }
      if (target.child) {
        // Memory: measured on the way up and on the way down (streams closed, sessions DELETEd), and
        // averaged, so heap drift between samples (GC of the load phases' garbage) cancels out.
        const redisBase = await redisUsed();
        const base = await target.child.usage();
        const idle: string[] = [];
        for (let index = 0; index < IDLE_SESSIONS; index += 16)
          idle.push(...(await Promise.all(Array.from({ length: 16 }, () => openSession(target)))));
        const withSessions = await target.child.usage();
        const redisWithSessions = await redisUsed();
        const closers = await Promise.all(idle.slice(0, SSE_STREAMS).map((id) => openStream(target, id)));
        const withStreams = await target.child.usage();
        for (const close of closers) close();
        await new Promise((resolve) => setTimeout(resolve, 500));
        const streamsClosed = await target.child.usage();
        await Promise.all(idle.map((id) => deleteSession(target, id)));
        const sessionsDeleted = await target.child.usage();
        row.bytesPerIdleSession =
          (memOf(withSessions) - memOf(base) + memOf(streamsClosed) - memOf(sessionsDeleted)) /
          2 /
          idle.length;
        row.bytesPerSseStream =
          (memOf(withStreams) - memOf(withSessions) + memOf(withStreams) - memOf(streamsClosed)) /
          2 /
          closers.length;
        if (target.token) row.redisBytesPerSession = (redisWithSessions - redisBase) / idle.length;
      }
      results[target.name] = row;
      console.error(`${target.name}: done`);
    }
  } finally {
    for (const target of targets) await target.child?.stop();
    await upstream.stop();
    if (gatehouseEnv) await cleanupGatehouseEnv(gatehouseEnv);
  }
  report(results, (Date.now() - started) / 1000);
}

function report(results: Record<string, Record<string, unknown>>, seconds: number) {
  const direct = results.direct;
  const relay = results.relay;
  const lines: string[] = [];
  lines.push(
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; ${SECONDS}s per phase; run took ${seconds.toFixed(0)}s`,
  );
  lines.push("");
  lines.push(
    "| target | sessions | calls/s | median ms | p99 ms | × direct | × relay | gateway CPU µs/call | upstream inits/call | errors |",
  );
  lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [name, row] of Object.entries(results)) {
    for (const concurrency of CONCURRENCY) {
      const phase = row[`c${concurrency}`] as Phase;
      const ratio = (base?: Record<string, unknown>) => {
        const other = base?.[`c${concurrency}`] as Phase | undefined;
        return other ? (phase.rps / other.rps).toFixed(2) : "-";
      };
      lines.push(
        `| ${name} | ${concurrency} | ${phase.rps.toFixed(0)} | ${phase.p50.toFixed(2)} | ${phase.p99.toFixed(2)} | ${ratio(direct)} | ${ratio(relay)} | ${phase.cpuPerCallUs?.toFixed(0) ?? "-"} | ${phase.initsPerCall?.toFixed(3)} | ${phase.errors} |`,
      );
    }
  }
  lines.push("");
  lines.push(
    "| target | session set-up /s | process memory per idle session | per open SSE stream | Redis per session |",
  );
  lines.push("| --- | ---: | ---: | ---: | ---: |");
  for (const [name, row] of Object.entries(results)) {
    // Below the heap's noise (a few KB either way between samples) a figure reads as about zero.
    const kb = (value: unknown) =>
      typeof value !== "number" ? "-" : value < 1024 ? "≈0" : `${(value / 1024).toFixed(1)} KB`;
    lines.push(
      `| ${name} | ${(row.setupPerSecond as number).toFixed(0)} | ${kb(row.bytesPerIdleSession)} | ${kb(row.bytesPerSseStream)} | ${kb(row.redisBytesPerSession)} |`,
    );
  }
  console.log(lines.join("\n"));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
