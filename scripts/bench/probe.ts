import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

/**
 * The IPC side of a benchmark participant: answers the parent's `usage` request with its CPU,
 * memory (after a forced GC when --expose-gc is on), counters and the process warnings seen so far,
 * profiles its CPU between `profile-start` and `profile-stop`, and stops on `stop`. child.ts installs it; probe-preload.ts installs it in a process we do not
 * write (the mcp-proxy CLI).
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
  process.on("message", (message: { cmd: string; file?: string }) => {
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
      // Twice: the first pass can leave objects with finalizers for the second.
      globalThis.gc?.();
      globalThis.gc?.();
      const usage: Usage = {
        cpu: process.cpuUsage(),
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
