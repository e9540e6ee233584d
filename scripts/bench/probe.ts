import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

/**
 * The IPC side of a benchmark participant: answers the parent's `usage` request with its CPU (less
 * the CPU of the collections it forced), memory (after a forced GC when --expose-gc is on and the
 * request does not say `collect: false`), counters and the process warnings seen so far; profiles
 * its CPU between `profile-start` and `profile-stop`; stops on `stop`. child.ts installs it;
 * probe-preload.ts installs it in a process we do not write (the mcp-proxy CLI).
 */
export type Usage = {
  cpu: NodeJS.CpuUsage;
  mem: NodeJS.MemoryUsage;
  initializes: number;
  calls: number;
  /** every 'warning' event of the process (MaxListenersExceededWarning and the like) */
  warnings: string[];
};

export function installProbe(
  counters: () => { initializes: number; calls: number },
  stop: () => Promise<void>,
): void {
  const warnings: string[] = [];
  // A listener does not silence Node's own printing of the warning; it only lets us count them.
  process.on("warning", (warning) => warnings.push(`${warning.name}: ${warning.message}`));
  let profiler: Session | null = null;
  const forcedGcCpu = { user: 0, system: 0 };
  process.on("message", (message: { cmd: string; file?: string; collect?: boolean }) => {
    if (message.cmd === "profile-start") {
      // A CPU profile of one phase only (run.ts --profile): startup and warm-up stay out of it.
      profiler = new Session();
      profiler.connect();
      profiler.post("Profiler.enable", () =>
        profiler?.post("Profiler.start", () => process.send?.({ profiling: true })),
      );
    } else if (message.cmd === "profile-stop") {
      profiler?.post("Profiler.stop", (error, result) => {
        if (!error && message.file) writeFileSync(message.file, JSON.stringify(result.profile));
        profiler?.disconnect();
        profiler = null;
        process.send?.({ profiled: message.file ?? null });
      });
    } else if (message.cmd === "usage") {
      // A forced full collection only where memory is measured: around a load phase it would
      // also throw away optimized code (V8 deoptimizes code whose embedded maps die, and between
      // phases no request keeps them alive), so the next phase would start cold, which no
      // production process does. Twice: the first pass can leave objects with finalizers for the
      // second. The CPU these collections take is left out of the reported CPU, so it is never
      // billed to a phase.
      if (message.collect !== false && globalThis.gc) {
        const started = process.cpuUsage();
        globalThis.gc();
        globalThis.gc();
        const spent = process.cpuUsage(started);
        forcedGcCpu.user += spent.user;
        forcedGcCpu.system += spent.system;
      }
      const total = process.cpuUsage();
      const cpu = { user: total.user - forcedGcCpu.user, system: total.system - forcedGcCpu.system };
      const usage: Usage = {
        cpu,
        mem: process.memoryUsage(),
        ...counters(),
        warnings,
      };
      process.send?.(usage);
    } else if (message.cmd === "stop") void stop().finally(() => process.exit(0));
  });
  // A bench run that was interrupted (Ctrl-C, a timeout) takes its participants with it: left
  // running, they would load the machine and skew the next run's figures.
  process.once("disconnect", () => process.exit(0));
}
