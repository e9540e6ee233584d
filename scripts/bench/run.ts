/**
 * `npm run bench`: tools/call throughput and latency through Gatehouse against a direct upstream,
 * two bare relays (node:http, and undici toward the upstream) and mcp-proxy (the npm peer), on this
 * machine, in one run; then, on the fast path, 2,000 open SSE streams under load and 10,000
 * concurrent sessions. README.md's "Benchmark" section says what is measured and shows the figures.
 * Flags: --quick (short phases, 500 streams, 2,000 sessions, one round), --seconds N (per phase),
 * --concurrency 1,16,64, --targets direct,relay,relay-undici,proxy,fast,route,
 * --skip streams2k,sessions10k, --streams N, --sessions N, --rounds N (the load phases run N times,
 * targets in turn, medians reported; 3 by default),
 * --warm-up N (seconds of unmeasured load per target before the first round; 5 by default),
 * --profile DIR (a CPU profile of each first-round load phase of a target in its own process, e.g.
 * DIR/fast-path-c16.cpuprofile, DIR/relay-c16.cpuprofile; profiling costs CPU, so that run's CPU
 * figures are higher).
 *
 * Upstream: a raw node:http JSON-RPC MCP upstream (scripts/bench/child.ts), not the SDK, so the
 * upstream costs as little as possible and the gateway is what is measured; mcp-proxy gets the same
 * answers over stdio. Load generator: raw JSON-RPC over keep-alive HTTP on pre-initialized sessions
 * (common.ts).
 */
import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ADMIN_DATABASE_URL } from "@/tests/integration/helpers/test-database";
import {
  cleanupGatehouseEnv,
  type GatehouseEnv,
  prepareGatehouseEnv,
  seedConnection,
} from "../lib/gatehouse";
import {
  type Child,
  databaseCpu,
  deleteSession,
  inPool,
  load,
  MB,
  median,
  medianPhase,
  memOf,
  openFilesLimit,
  openSession,
  openStream,
  type Phase,
  PRODUCTION_LOG_LEVEL,
  redisPrefixBytes,
  redisUsed,
  startChild,
  startMcpProxy,
  type Target,
  type Usage,
  verdict,
} from "./common";

const quick = process.argv.includes("--quick");
function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}
const SECONDS = Number(flag("seconds") ?? (quick ? 1.5 : 5));
const CONCURRENCY = (flag("concurrency") ?? "1,16,64").split(",").map(Number);
/**
 * Load phases are run this many times, the targets taking turns within each round, and the figures
 * reported are medians over the rounds (ratios: the median of each round's ratio). This machine's
 * speed moves by tens of percent within a minute; interleaving puts every target through the same
 * slow and fast moments, and the median drops a round that caught a bad one.
 */
const ROUNDS = Math.max(1, Number(flag("rounds") ?? (quick ? 1 : 3)));
/**
 * Before the first round, each target serves tools/call at 16 sessions for this long, unmeasured:
 * the figures are of processes whose JIT has settled, as a gateway is after its first minute. A
 * cold process spends a few seconds recompiling its hot paths on another core, and the bigger the
 * code, the longer (Gatehouse's first phase cost ~35% more CPU per call than its later ones).
 */
const WARM_UP_SECONDS = Number(flag("warm-up") ?? (quick ? 1 : 5));
const TARGETS = (flag("targets") ?? "direct,relay,relay-undici,proxy,fast,route").split(",");
const SKIP = (flag("skip") ?? "").split(",");
const IDLE_SESSIONS = quick ? 100 : 300;
const SSE_STREAMS = quick ? 50 : 150;
const SETUP_SESSIONS = quick ? 64 : 200;
const MANY_STREAMS = Number(flag("streams") ?? (quick ? 500 : 2000));
const MANY_SESSIONS = Number(flag("sessions") ?? (quick ? 2000 : 10_000));
/**
 * The with-streams load runs this long so that every stream goes through the gateway's periodic
 * work at least once (policy re-check every 15 s, keep-alive comment every 25 s:
 * server/mcp/default-handler.ts); the load without streams runs half as long before and after it.
 */
const STREAM_LOAD_SECONDS = Number(flag("stream-seconds") ?? (quick ? 16 : 30));
/** streams share sessions: the spec allows several GET streams per session, and set-up is slow */
const STREAMS_PER_SESSION = 8;
/** in flight while opening and closing many sessions or streams */
const OPEN_CONCURRENCY = 64;
/** issue 5: 10,000 sessions within 300 MB, i.e. 30 KB a session (scaled when fewer are opened) */
const SESSION_BUDGET_BYTES = (300 * MB) / 10_000;

type Row = Record<string, unknown>;

type StreamsResult = {
  streams: number;
  failed: number;
  sessions: number;
  openSeconds: number;
  endedDuringLoad: number;
  /** a few of the endings, counted: how long the stream lasted and its last bytes */
  endings: string[];
  without: Phase;
  with: Phase;
  withoutAfter: Phase;
  /** gateway CPU per second with no calls, without and with the streams open (ms/s) */
  idleCpuWithout: number;
  idleCpuWith: number;
  rssPerStream: number;
  heapPerStream: number;
  fdNote: string;
};

type SessionsResult = {
  requested: number;
  opened: number;
  failed: number;
  firstError?: string;
  openSeconds: number;
  deleteSeconds: number;
  /** sessions still live when DELETEd (the others had been ended by the gateway, e.g. a cap) */
  live: number;
  rss: number;
  heap: number;
  redisInfo: number;
  redisKeys: number;
  rssAfterDelete: number;
  heapAfterDelete: number;
};

/** Idle long enough for every open stream to be re-checked once (every 15 s) */
const IDLE_SECONDS = 16;

/** The gateway's CPU over `seconds` with no calls: what held streams cost by themselves. */
async function idleCpu(child: Child, seconds: number, before: Usage) {
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = await child.usage();
  const cpu = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
  return { usage: before, cpuMsPerSecond: cpu / 1000 / seconds };
}

const warmUpAndLoad = async (
  target: Target,
  sessions: string[],
  concurrency: number,
  upstream?: Child,
  seconds = SECONDS,
  profileFile?: string,
) => {
  await load(target, sessions, concurrency, 0.5);
  return load(target, sessions, concurrency, seconds, upstream, profileFile);
};

const PROFILE_DIR = flag("profile");
const profileFileOf = (target: Target, concurrency: number) => {
  if (PROFILE_DIR === undefined || target.child === undefined) return undefined;
  mkdirSync(PROFILE_DIR, { recursive: true });
  return path.join(
    PROFILE_DIR,
    `${target.name
      .replace("gatehouse ", "")
      .replaceAll(/[^a-z0-9]+/g, "-")
      .replace(/-$/, "")}-c${concurrency}.cpuprofile`,
  );
};

/**
 * 16-session tools/call load without, with, and again without MANY_STREAMS GET streams held open
 * on the same process (spread over sessions of their own): whether open streams starve the POSTs.
 * Measuring "without" on both sides keeps warm-up and the machine's other work from posing as an
 * effect of the streams.
 */
async function streamsPhase(target: Target, loadSessions: string[], upstream: Child): Promise<StreamsResult> {
  const child = target.child as Child;
  // Per stream the gateway holds the agent's socket and its upstream GET socket; the upstream and
  // this process one each. Node raises its soft limit to the hard one at start, and children inherit.
  const limit = openFilesLimit();
  const needed = 2 * MANY_STREAMS + 1024;
  let streams = MANY_STREAMS;
  let fdNote = `open-files limit ${limit}, about ${needed} needed by the gateway`;
  if (limit < needed) {
    streams = Math.max(0, Math.floor((limit - 1024) / 2));
    fdNote += `: too low, streams cut to ${streams} (raise the hard limit: ulimit -Hn)`;
  }
  const opened = await inPool(Math.ceil(streams / STREAMS_PER_SESSION), OPEN_CONCURRENCY, () =>
    openSession(target),
  );
  const streamSessions = opened.results;
  const without = await warmUpAndLoad(target, loadSessions, 16, upstream, STREAM_LOAD_SECONDS / 2);
  const base = await idleCpu(child, 5, await child.usage());
  const t0 = performance.now();
  const held = await inPool(streams, OPEN_CONCURRENCY, (index) =>
    openStream(target, streamSessions[index % streamSessions.length] as string),
  );
  const openSeconds = (performance.now() - t0) / 1000;
  const withStreamsUsage = await child.usage();
  const idleWith = await idleCpu(child, IDLE_SECONDS, withStreamsUsage);
  const withStreams = await warmUpAndLoad(target, loadSessions, 16, upstream, STREAM_LOAD_SECONDS);
  const ended = held.results.filter((stream) => stream.isEnded());
  const endings = new Map<string, { count: number; example: string }>();
  for (const stream of ended) {
    // Durations vary stream by stream; the reason and the last bytes say why.
    const why = stream.ending().replace(/after [\d.]+s/, "after …s");
    const seen = endings.get(why);
    if (seen) seen.count += 1;
    else endings.set(why, { count: 1, example: stream.ending() });
  }
  for (const stream of held.results) stream.close();
  const withoutAfter = await warmUpAndLoad(target, loadSessions, 16, upstream, STREAM_LOAD_SECONDS / 2);
  await inPool(streamSessions.length, OPEN_CONCURRENCY, (index) =>
    deleteSession(target, streamSessions[index] as string),
  );
  const count = Math.max(1, held.results.length);
  return {
    streams: held.results.length,
    failed: held.failures + opened.failures * STREAMS_PER_SESSION,
    sessions: streamSessions.length,
    openSeconds,
    endedDuringLoad: ended.length,
    endings: [...endings.values()].slice(0, 3).map(({ count, example }) => `${count}×, e.g. ${example}`),
    without,
    with: withStreams,
    withoutAfter,
    idleCpuWithout: base.cpuMsPerSecond,
    idleCpuWith: idleWith.cpuMsPerSecond,
    rssPerStream: (withStreamsUsage.mem.rss - base.usage.mem.rss) / count,
    heapPerStream: (memOf(withStreamsUsage) - memOf(base.usage)) / count,
    fdNote,
  };
}

/** MANY_SESSIONS sessions opened and held at once: the gateway's and Redis's extra memory. */
async function sessionsPhase(target: Target, redisKeyPrefix: string): Promise<SessionsResult> {
  const child = target.child as Child;
  const base = await child.usage();
  const redisBase = await redisUsed();
  const keysBase = await redisPrefixBytes(redisKeyPrefix);
  const t0 = performance.now();
  const opened = await inPool(MANY_SESSIONS, OPEN_CONCURRENCY, () => openSession(target));
  const openSeconds = (performance.now() - t0) / 1000;
  const full = await child.usage();
  const redisFull = await redisUsed();
  const keysFull = await redisPrefixBytes(redisKeyPrefix);
  const t1 = performance.now();
  const deleted = await inPool(opened.results.length, OPEN_CONCURRENCY, (index) =>
    deleteSession(target, opened.results[index] as string),
  );
  const deleteSeconds = (performance.now() - t1) / 1000;
  const after = await child.usage();
  return {
    requested: MANY_SESSIONS,
    opened: opened.results.length,
    failed: opened.failures,
    ...(opened.firstError !== undefined && { firstError: String(opened.firstError) }),
    openSeconds,
    deleteSeconds,
    live: deleted.results.filter((status) => status === 200 || status === 204).length,
    rss: full.mem.rss - base.mem.rss,
    heap: memOf(full) - memOf(base),
    redisInfo: redisFull - redisBase,
    redisKeys: keysFull.bytes - keysBase.bytes,
    rssAfterDelete: after.mem.rss - base.mem.rss,
    heapAfterDelete: memOf(after) - memOf(base),
  };
}

async function main() {
  const started = Date.now();
  const upstream = await startChild("upstream");
  const upstreamUrl = `http://127.0.0.1:${upstream.port}/mcp`;
  const targets: Target[] = [];
  let gatehouseEnv: GatehouseEnv | undefined;
  const results: Record<string, Row> = {};
  const sessionsOf = new Map<Target, string[]>();
  let streams: StreamsResult | undefined;
  let many: SessionsResult | undefined;
  const warnings: string[] = [];
  try {
    if (TARGETS.includes("direct")) targets.push({ name: "direct", url: upstreamUrl });
    if (TARGETS.includes("relay")) {
      const relay = await startChild("relay", { TARGET_URL: upstreamUrl });
      targets.push({ name: "relay", url: `http://127.0.0.1:${relay.port}/mcp`, child: relay });
    }
    if (TARGETS.includes("relay-undici")) {
      const relay = await startChild("relay-undici", { TARGET_URL: upstreamUrl });
      targets.push({ name: "relay (undici)", url: `http://127.0.0.1:${relay.port}/mcp`, child: relay });
    }
    if (TARGETS.includes("proxy")) {
      const proxy = await startMcpProxy();
      targets.push({ name: "mcp-proxy", url: `http://127.0.0.1:${proxy.port}/mcp`, child: proxy });
    }
    if (TARGETS.includes("fast") || TARGETS.includes("route")) {
      gatehouseEnv = await prepareGatehouseEnv("http://127.0.0.1:1");
      const { publicId, token } = await seedConnection(upstreamUrl);
      for (const mode of ["fast", "route"].filter((mode) => TARGETS.includes(mode))) {
        const child = await startChild(mode, { ...gatehouseEnv.vars, LOG_LEVEL: PRODUCTION_LOG_LEVEL });
        targets.push({
          name: mode === "fast" ? "gatehouse fast path" : "gatehouse route handler",
          url: `http://127.0.0.1:${child.port}/mcp/${publicId}`,
          token,
          child,
          databaseCpu: databaseCpu(ADMIN_DATABASE_URL, gatehouseEnv.databaseName),
        });
      }
    }
    const rows = new Map<Target, Row>();
    for (const target of targets) {
      const row: Row = {};
      rows.set(target, row);
      // Session set-up rate: initialize + initialized, 16 at a time, after 16 untimed ones (a cold
      // process's first sessions pay for JIT, pools and caches).
      const warm = await inPool(16, 16, () => openSession(target));
      if (warm.failures > 0) throw warm.firstError;
      const t0 = performance.now();
      const setUp = await inPool(SETUP_SESSIONS, 16, () => openSession(target));
      if (setUp.failures > 0) throw setUp.firstError;
      sessionsOf.set(target, [...warm.results, ...setUp.results]);
      row.setupPerSecond = SETUP_SESSIONS / ((performance.now() - t0) / 1000);
    }
    for (const target of targets) await load(target, sessionsOf.get(target) ?? [], 16, WARM_UP_SECONDS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const concurrency of CONCURRENCY)
        for (const target of targets) {
          const row = rows.get(target) as Row;
          const key = `c${concurrency}:rounds`;
          if (row[key] === undefined) row[key] = [];
          (row[key] as Phase[]).push(
            await warmUpAndLoad(
              target,
              sessionsOf.get(target) ?? [],
              concurrency,
              // mcp-proxy's upstream is its own stdio child: its initializes are not ours to count.
              target.name !== "mcp-proxy" ? upstream : undefined,
              SECONDS,
              round === 0 ? profileFileOf(target, concurrency) : undefined,
            ),
          );
        }
      console.error(`round ${round + 1} of ${ROUNDS}: done`);
    }
    for (const target of targets) {
      const row = rows.get(target) as Row;
      for (const concurrency of CONCURRENCY)
        row[`c${concurrency}`] = medianPhase(row[`c${concurrency}:rounds`] as Phase[]);
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
        const open = await Promise.all(idle.slice(0, SSE_STREAMS).map((id) => openStream(target, id)));
        const withStreams = await target.child.usage();
        for (const stream of open) stream.close();
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
          open.length;
        if (target.token) row.redisBytesPerSession = (redisWithSessions - redisBase) / idle.length;
      }
      results[target.name] = row;
      console.error(`${target.name}: memory done`);
    }
    const fast = targets.find((target) => target.name === "gatehouse fast path");
    if (fast && !SKIP.includes("streams2k")) {
      streams = await streamsPhase(fast, sessionsOf.get(fast) ?? [], upstream);
      console.error(`${MANY_STREAMS} streams: done`);
    }
    if (fast && gatehouseEnv && !SKIP.includes("sessions10k")) {
      many = await sessionsPhase(fast, gatehouseEnv.redisKeyPrefix);
      console.error(`${MANY_SESSIONS} sessions: done`);
    }
    for (const target of targets) {
      const usage: Usage | undefined = await target.child?.usage();
      for (const warning of usage?.warnings ?? []) warnings.push(`${target.name}: ${warning}`);
    }
  } finally {
    for (const target of targets) await target.child?.stop();
    await upstream.stop();
    if (gatehouseEnv) await cleanupGatehouseEnv(gatehouseEnv);
  }
  report(results, streams, many, warnings, (Date.now() - started) / 1000);
}

const kb = (value: unknown) =>
  // Below the heap's noise (a few KB either way between samples) a figure reads as about zero.
  typeof value !== "number" ? "-" : value < 1024 ? "≈0" : `${(value / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const phaseOf = (row: Row | undefined, concurrency: number) => row?.[`c${concurrency}`] as Phase | undefined;
const roundsOf = (row: Row | undefined, concurrency: number) =>
  row?.[`c${concurrency}:rounds`] as Phase[] | undefined;

/** The median of each round's `pick(row's phase, base's phase)`, or undefined without a base. */
function perRound(
  row: Row | undefined,
  base: Row | undefined,
  concurrency: number,
  pick: (phase: Phase, other: Phase) => number,
): number | undefined {
  const mine = roundsOf(row, concurrency);
  const theirs = roundsOf(base, concurrency);
  if (!mine || !theirs) return undefined;
  return median(mine.map((phase, round) => pick(phase, theirs[round] as Phase)));
}

const throughputRatio = (row: Row | undefined, base: Row | undefined, concurrency: number) =>
  perRound(row, base, concurrency, (phase, other) => phase.rps / other.rps);

function report(
  results: Record<string, Row>,
  streams: StreamsResult | undefined,
  many: SessionsResult | undefined,
  warnings: string[],
  seconds: number,
) {
  const direct = results.direct;
  const relay = results.relay;
  const proxy = results["mcp-proxy"];
  const fast = results["gatehouse fast path"];
  const lines: string[] = [];
  lines.push(
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}, shared with PostgreSQL, Redis and other work), ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; ${WARM_UP_SECONDS}s unmeasured warm-up per target, then ${SECONDS}s per phase, ${ROUNDS} round${ROUNDS === 1 ? "" : "s"} (targets in turn; figures are medians over the rounds, ratios the median of each round's ratio); run took ${seconds.toFixed(0)}s`,
  );
  lines.push("");
  lines.push(
    "| target | sessions | calls/s | median ms | p99 ms | × direct | × relay | × mcp-proxy | proxy CPU µs/call | PostgreSQL CPU µs/call | upstream inits/call | errors |",
  );
  lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [name, row] of Object.entries(results)) {
    for (const concurrency of CONCURRENCY) {
      const phase = phaseOf(row, concurrency) as Phase;
      const ratio = (base?: Row) => throughputRatio(row, base, concurrency)?.toFixed(2) ?? "-";
      lines.push(
        `| ${name} | ${concurrency} | ${phase.rps.toFixed(0)} | ${phase.p50.toFixed(2)} | ${phase.p99.toFixed(2)} | ${ratio(direct)} | ${ratio(relay)} | ${ratio(proxy)} | ${phase.cpuPerCallUs?.toFixed(0) ?? "-"} | ${phase.databaseCpuPerCallUs?.toFixed(0) ?? "-"} | ${phase.initsPerCall?.toFixed(3) ?? "-"} | ${phase.errors} |`,
      );
    }
  }
  lines.push("");
  lines.push(
    "| target | session set-up /s | process memory per idle session | per open SSE stream | Redis per session |",
  );
  lines.push("| --- | ---: | ---: | ---: | ---: |");
  for (const [name, row] of Object.entries(results))
    lines.push(
      `| ${name} | ${(row.setupPerSecond as number).toFixed(0)} | ${kb(row.bytesPerIdleSession)} | ${kb(row.bytesPerSseStream)} | ${kb(row.redisBytesPerSession)} |`,
    );

  const checks: string[] = [];
  const check = (isMet: boolean, what: string) => checks.push(`- ${verdict(isMet)} ${what}`);
  const fast16 = phaseOf(fast, 16);
  if (fast16) {
    const versus = (row: Row | undefined, name: string, target: number) => {
      const ratio = throughputRatio(fast, row, 16);
      if (ratio !== undefined)
        check(ratio >= target, `fast path ≥ ${target}× ${name} at 16 sessions: ${ratio.toFixed(2)}×`);
    };
    versus(direct, "direct", 0.6);
    versus(relay, "the bare relay", 0.8);
    const leaner = throughputRatio(fast, results["relay (undici)"], 16);
    if (leaner !== undefined)
      checks.push(
        `- (for comparison) fast path against the bare relay with undici toward the upstream at 16 sessions: ${leaner.toFixed(2)}×`,
      );
    versus(proxy, "mcp-proxy", 1.5);
    if (fast16.cpuPerCallUs !== undefined)
      check(
        fast16.cpuPerCallUs <= 300,
        `≤ 300 µs gateway CPU per call at 16 sessions: ${fast16.cpuPerCallUs.toFixed(0)} µs`,
      );
  }
  const addedMedian = perRound(fast, direct, 1, (phase, other) => phase.p50 - other.p50);
  const addedP99 = perRound(fast, direct, 1, (phase, other) => phase.p99 - other.p99);
  if (addedMedian !== undefined && addedP99 !== undefined) {
    check(addedMedian <= 1, `added median ≤ 1 ms at 1 session: +${addedMedian.toFixed(2)} ms`);
    check(addedP99 <= 5, `added p99 ≤ 5 ms at 1 session: +${addedP99.toFixed(2)} ms`);
  }
  if (fast) {
    const inits = CONCURRENCY.map((concurrency) => phaseOf(fast, concurrency)?.initsPerCall ?? 0);
    check(
      inits.every((value) => value === 0),
      "zero upstream initializes per tools/call",
    );
    if (typeof fast.bytesPerIdleSession === "number")
      check(
        fast.bytesPerIdleSession <= 16 * 1024,
        `≤ 16 KB per idle session: ${kb(fast.bytesPerIdleSession)}`,
      );
    if (typeof fast.bytesPerSseStream === "number")
      check(
        fast.bytesPerSseStream <= 64 * 1024,
        `≤ 64 KB per open SSE stream: ${kb(fast.bytesPerSseStream)}`,
      );
  }

  if (streams) {
    lines.push("");
    lines.push(
      `${streams.streams} GET SSE streams held open on the fast path (${streams.sessions} sessions, ${STREAMS_PER_SESSION} streams each, opened in ${streams.openSeconds.toFixed(1)}s, ${streams.failed} failed to open, ${streams.endedDuringLoad} ended by the gateway during the load); ${streams.fdNote}. Per stream: ${kb(streams.rssPerStream)} RSS, ${kb(streams.heapPerStream)} heap + external. Gateway CPU with no calls: ${streams.idleCpuWithout.toFixed(0)} ms/s without streams, ${streams.idleCpuWith.toFixed(0)} ms/s with them open (${IDLE_SECONDS}s each).`,
    );
    for (const ending of streams.endings) lines.push(`- ended by the gateway: ${ending}`);
    lines.push("");
    lines.push("| fast path, 16 sessions | calls/s | median ms | p99 ms | gateway CPU µs/call | errors |");
    lines.push("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (const [name, phase] of [
      [`without streams (${STREAM_LOAD_SECONDS / 2}s, before)`, streams.without],
      [`with ${streams.streams} streams (${STREAM_LOAD_SECONDS}s)`, streams.with],
      [`without streams (${STREAM_LOAD_SECONDS / 2}s, after)`, streams.withoutAfter],
    ] as const)
      lines.push(
        `| ${name} | ${phase.rps.toFixed(0)} | ${phase.p50.toFixed(2)} | ${phase.p99.toFixed(2)} | ${phase.cpuPerCallUs?.toFixed(0) ?? "-"} | ${phase.errors} |`,
      );
    const mean = (pick: (phase: Phase) => number) => (pick(streams.without) + pick(streams.withoutAfter)) / 2;
    const ratio = streams.with.rps / mean((phase) => phase.rps);
    lines.push(
      `| ratio with ÷ mean of without | ${ratio.toFixed(2)} | ${(streams.with.p50 / mean((phase) => phase.p50)).toFixed(2)} | ${(streams.with.p99 / mean((phase) => phase.p99)).toFixed(2)} | | |`,
    );
    // "Without starving POSTs" read as: every call answered, nothing closed, ≥ 80% of the throughput.
    check(
      streams.with.errors === 0 && streams.endedDuringLoad === 0 && streams.failed === 0 && ratio >= 0.8,
      `${streams.streams} open SSE streams do not starve POSTs (no errors, none dropped, ≥ 0.8× throughput): ${ratio.toFixed(2)}×`,
    );
  }
  if (many) {
    const total = many.rss + many.redisInfo;
    const per = total / Math.max(1, many.opened);
    lines.push("");
    lines.push(
      `${many.opened} concurrent sessions on the fast path (${many.failed} failed${many.firstError ? `: ${many.firstError}` : ""}), opened ${OPEN_CONCURRENCY} at a time in ${many.openSeconds.toFixed(1)}s (${(many.opened / many.openSeconds).toFixed(0)}/s), ${many.live} of them still live when DELETEd in ${many.deleteSeconds.toFixed(1)}s:`,
    );
    lines.push("");
    lines.push("| memory | total | per session |");
    lines.push("| --- | ---: | ---: |");
    const perSession = (bytes: number) => kb(bytes / Math.max(1, many.opened));
    lines.push(`| gateway RSS delta (after GC) | ${mb(many.rss)} | ${perSession(many.rss)} |`);
    lines.push(`| gateway heap + external delta (after GC) | ${mb(many.heap)} | ${perSession(many.heap)} |`);
    lines.push(
      `| Redis used_memory delta (INFO memory, whole server) | ${mb(many.redisInfo)} | ${perSession(many.redisInfo)} |`,
    );
    lines.push(
      `| Redis, this run's keys (MEMORY USAGE) | ${mb(many.redisKeys)} | ${perSession(many.redisKeys)} |`,
    );
    lines.push(`| gateway RSS + Redis INFO | ${mb(total)} | ${kb(per)} |`);
    lines.push(
      `| after DELETE of all: RSS / heap vs before | ${mb(many.rssAfterDelete)} / ${mb(many.heapAfterDelete)} | |`,
    );
    check(
      many.failed === 0 && many.live === many.opened && per <= SESSION_BUDGET_BYTES,
      `10,000 sessions within 300 MB (30 KB a session): ${many.opened} sessions (${many.live} still live at the end) took ${mb(total)}, ${kb(per)} a session${many.opened < 10_000 ? ` (×10,000: ${mb(per * 10_000)})` : ""}`,
    );
  }
  if (checks.length > 0) {
    lines.push("");
    lines.push("Targets of issue 5 (fast path):");
    lines.push(...checks);
  }
  lines.push("");
  lines.push(
    warnings.length === 0
      ? "Process warnings in the participants: none."
      : `Process warnings in the participants:\n${warnings.map((warning) => `- ${warning}`).join("\n")}`,
  );
  console.log(lines.join("\n"));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
