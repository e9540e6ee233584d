/**
 * `npm run soak`: steady mixed load on Gatehouse's fast path for --minutes N (default 10), to catch
 * leaks. Three loops run side by side until the end: tools/call back to back on 16 sessions;
 * sessions opened, called once and DELETEd; GET SSE streams opened, held and closed. Every
 * --sample-seconds (30) the gateway process reports its RSS and heap after a forced GC. Drift is the
 * change from the first samples after a --warmup-minutes (1) warm-up to the last ones (the median of
 * three at each end; issue 5: ≤ 5%), with a fitted trend beside it, and every process 'warning' the
 * gateway emits (MaxListenersExceededWarning and others) is reported (issue 5: none). Targets print
 * PASS or MISS; the exit code is 0 either way.
 */
import os from "node:os";
import { cleanupGatehouseEnv, prepareGatehouseEnv, seedConnection } from "../lib/gatehouse";
import {
  callTool,
  deleteSession,
  inPool,
  MB,
  median,
  openSession,
  openStream,
  PRODUCTION_LOG_LEVEL,
  percentile,
  startChild,
  type Target,
  type Usage,
  verdict,
} from "./common";

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}
const MINUTES = Number(flag("minutes") ?? 10);
const SAMPLE_SECONDS = Number(flag("sample-seconds") ?? 30);
const WARMUP_MINUTES = Number(flag("warmup-minutes") ?? 1);
const CALL_SESSIONS = 16;
/** session churn: this many open → call → DELETE loops in parallel */
const SESSION_LOOPS = 2;
/** stream churn: this many open → hold → close loops in parallel, over sessions of their own */
const STREAM_LOOPS = 16;
const STREAM_HOLD_MS = 1_000;
const DRIFT_TARGET = 0.05;

type Sample = {
  seconds: number;
  rss: number;
  heapUsed: number;
  /** V8's reserved heap (young and old spaces): RSS that moves with it is V8 sizing its spaces */
  heapTotal: number;
  /** memory outside the JS heap that V8 knows of (Buffers and the like) */
  external: number;
  calls: number;
  callErrors: number;
  sessionsCycled: number;
  streamsCycled: number;
};

/** "60–120s": the time span of the samples at one end of the drift */
function describeEnd(group: Sample[]): string {
  const from = (group[0] as Sample).seconds.toFixed(0);
  const to = (group.at(-1) as Sample).seconds.toFixed(0);
  return from === to ? `${from}s` : `${from}–${to}s (median)`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const upstream = await startChild("upstream");
  const upstreamUrl = `http://127.0.0.1:${upstream.port}/mcp`;
  const env = await prepareGatehouseEnv("http://127.0.0.1:1");
  const samples: Sample[] = [];
  let last: Usage | undefined;
  const counts = {
    calls: 0,
    callErrors: 0,
    sessionsCycled: 0,
    sessionErrors: 0,
    streamsCycled: 0,
    streamErrors: 0,
  };
  const latencies: number[] = [];
  const firstErrors: string[] = [];
  const noteError = (error: unknown) => {
    if (firstErrors.length < 5) firstErrors.push(String(error));
  };
  let gateway: Awaited<ReturnType<typeof startChild>> | undefined;
  try {
    const { publicId, token } = await seedConnection(upstreamUrl);
    gateway = await startChild("fast", { ...env.vars, LOG_LEVEL: PRODUCTION_LOG_LEVEL });
    const target: Target = {
      name: "gatehouse fast path",
      url: `http://127.0.0.1:${gateway.port}/mcp/${publicId}`,
      token,
      child: gateway,
    };
    const callSessions = (await inPool(CALL_SESSIONS, 16, () => openSession(target))).results;
    const streamSessions = (await inPool(STREAM_LOOPS, STREAM_LOOPS, () => openSession(target))).results;
    if (callSessions.length < CALL_SESSIONS || streamSessions.length < STREAM_LOOPS)
      throw new Error("could not open the soak's sessions");

    const started = performance.now();
    const deadline = started + MINUTES * 60_000;
    const isRunning = () => performance.now() < deadline;
    let id = 1;
    const callLoop = async (sessionId: string) => {
      while (isRunning()) {
        const t0 = performance.now();
        const isOk = await callTool(target, sessionId, id++).catch(() => false);
        // A bounded reservoir: every 16th latency, enough for percentiles over minutes.
        if (id % 16 === 0) latencies.push(performance.now() - t0);
        counts.calls += 1;
        if (!isOk) counts.callErrors += 1;
      }
    };
    const sessionLoop = async () => {
      while (isRunning()) {
        try {
          const sessionId = await openSession(target);
          if (!(await callTool(target, sessionId, id++)))
            throw new Error("tools/call on a new session failed");
          const status = await deleteSession(target, sessionId);
          if (status < 200 || status >= 300) throw new Error(`DELETE ${status}`);
          counts.sessionsCycled += 1;
        } catch (error) {
          counts.sessionErrors += 1;
          noteError(error);
          await sleep(100);
        }
      }
    };
    const streamLoop = async (sessionId: string) => {
      while (isRunning()) {
        try {
          const stream = await openStream(target, sessionId);
          await sleep(STREAM_HOLD_MS);
          if (stream.isEnded()) throw new Error("the gateway ended a GET stream early");
          stream.close();
          counts.streamsCycled += 1;
        } catch (error) {
          counts.streamErrors += 1;
          noteError(error);
          await sleep(100);
        }
      }
    };
    const sampler = async () => {
      for (let index = 1; started + index * SAMPLE_SECONDS * 1000 <= deadline + 1; index += 1) {
        await sleep(started + index * SAMPLE_SECONDS * 1000 - performance.now());
        last = await (gateway as NonNullable<typeof gateway>).usage();
        const sample: Sample = {
          seconds: (performance.now() - started) / 1000,
          rss: last.mem.rss,
          heapUsed: last.mem.heapUsed,
          heapTotal: last.mem.heapTotal,
          external: last.mem.external,
          calls: counts.calls,
          callErrors: counts.callErrors,
          sessionsCycled: counts.sessionsCycled,
          streamsCycled: counts.streamsCycled,
        };
        samples.push(sample);
        console.error(
          `${sample.seconds.toFixed(0)}s: RSS ${(sample.rss / MB).toFixed(1)} MB, heapUsed ${(sample.heapUsed / MB).toFixed(1)} MB, ${sample.calls} calls, ${sample.sessionsCycled} sessions and ${sample.streamsCycled} streams cycled`,
        );
      }
    };
    await Promise.all([
      ...callSessions.map(callLoop),
      ...Array.from({ length: SESSION_LOOPS }, sessionLoop),
      ...streamSessions.map(streamLoop),
      sampler(),
    ]);
    last = await gateway.usage();
    await Promise.all(
      [...callSessions, ...streamSessions].map((sessionId) => deleteSession(target, sessionId)),
    );
  } finally {
    await gateway?.stop();
    await upstream.stop();
    await cleanupGatehouseEnv(env);
  }
  report(samples, last, counts, latencies, firstErrors);
}

function report(
  samples: Sample[],
  last: Usage | undefined,
  counts: Record<string, number>,
  latencies: number[],
  firstErrors: string[],
) {
  const lines: string[] = [];
  lines.push(
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}, shared with PostgreSQL, Redis and other work), node ${process.version}; soak of ${MINUTES} min on the fast path: ${CALL_SESSIONS} sessions calling back to back, ${SESSION_LOOPS} open/call/DELETE loops, ${STREAM_LOOPS} GET stream loops (${STREAM_HOLD_MS / 1000}s each)`,
  );
  lines.push("");
  lines.push(
    "| at s | RSS MB | heapUsed MB | heapTotal MB | external MB | calls/s in interval | call errors | sessions cycled | streams cycled |",
  );
  lines.push("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  samples.forEach((sample, index) => {
    const previous = samples[index - 1];
    const rate = (sample.calls - (previous?.calls ?? 0)) / (sample.seconds - (previous?.seconds ?? 0));
    lines.push(
      `| ${sample.seconds.toFixed(0)} | ${(sample.rss / MB).toFixed(1)} | ${(sample.heapUsed / MB).toFixed(1)} | ${(sample.heapTotal / MB).toFixed(1)} | ${(sample.external / MB).toFixed(1)} | ${rate.toFixed(0)} | ${sample.callErrors} | ${sample.sessionsCycled} | ${sample.streamsCycled} |`,
    );
  });
  latencies.sort((a, b) => a - b);
  lines.push("");
  lines.push(
    `totals: ${counts.calls} calls (${counts.callErrors} errors; median ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms), ${counts.sessionsCycled} sessions opened and DELETEd (${counts.sessionErrors} errors), ${counts.streamsCycled} streams opened and closed (${counts.streamErrors} errors)`,
  );
  for (const error of firstErrors) lines.push(`  error: ${error}`);
  lines.push("");
  const after = samples.filter((sample) => sample.seconds >= WARMUP_MINUTES * 60 - 1);
  // RSS swings by ±4% from one sample to the next (the allocator, V8 resizing its young
  // generation), so one sample at each end could pass or fail a 5% target by chance: each end is
  // the median of its first or last three samples.
  const ends = Math.min(3, Math.floor(after.length / 2));
  const first = after.slice(0, ends);
  const final = after.slice(-ends);
  if (ends >= 1) {
    const endValue = (group: Sample[], pick: (sample: Sample) => number) => median(group.map(pick));
    const line = (name: string, pick: (sample: Sample) => number) => {
      const from = endValue(first, pick);
      const to = endValue(final, pick);
      const value = (to - from) / from;
      lines.push(
        `- ${verdict(value <= DRIFT_TARGET)} ${name} drift ≤ 5% from ${describeEnd(first)} to ${describeEnd(final)}: ${(from / MB).toFixed(1)} → ${(to / MB).toFixed(1)} MB (${value >= 0 ? "+" : ""}${(value * 100).toFixed(1)}%)`,
      );
    };
    line("RSS", (sample) => sample.rss);
    line("heapUsed (after GC)", (sample) => sample.heapUsed);
    // A fitted slope over every sample after the warm-up shows a slow leak the end points may hide.
    const slope = (pick: (sample: Sample) => number) => {
      const meanX = after.reduce((sum, sample) => sum + sample.seconds, 0) / after.length;
      const meanY = after.reduce((sum, sample) => sum + pick(sample), 0) / after.length;
      let numerator = 0;
      let denominator = 0;
      for (const sample of after) {
        numerator += (sample.seconds - meanX) * (pick(sample) - meanY);
        denominator += (sample.seconds - meanX) ** 2;
      }
      return ((numerator / denominator) * 600) / MB;
    };
    lines.push(
      `  trend (least squares over ${after.length} samples), MB per 10 min: RSS ${slope((sample) => sample.rss).toFixed(2)}, heapUsed ${slope((sample) => sample.heapUsed).toFixed(2)}, heapTotal ${slope((sample) => sample.heapTotal).toFixed(2)}, external ${slope((sample) => sample.external).toFixed(2)}, RSS outside the JS heap ${slope((sample) => sample.rss - sample.heapTotal).toFixed(2)}`,
    );
  } else
    lines.push(
      `- MISS drift: fewer than two samples after the ${WARMUP_MINUTES} min warm-up (run longer than ${WARMUP_MINUTES} min + ${SAMPLE_SECONDS}s)`,
    );
  const warnings = last?.warnings ?? [];
  lines.push(`- ${verdict(warnings.length === 0)} no process warnings in the gateway: ${warnings.length}`);
  for (const warning of warnings.slice(0, 20)) lines.push(`  ${warning}`);
  lines.push(
    `- ${verdict(counts.callErrors === 0 && counts.sessionErrors === 0 && counts.streamErrors === 0)} no failed calls, session cycles or stream cycles`,
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
