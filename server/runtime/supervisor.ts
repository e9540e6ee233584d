import { ConfigError } from "../env";
import { say, sayError, seconds, style } from "./output";

/**
 * The start-up and shutdown state of `npm start`. Everything that starts a process registers a
 * stop function here with a phase; stopping runs the phases in order (app and worker finish their
 * requests and jobs while the demo upstreams, Redis and PostgreSQL they use are still there),
 * whether the reason is Ctrl-C, a failed start-up step or a child that died.
 */
export const PHASES = {
  app: 1,
  upstreams: 2,
  redis: 3,
  postgres: 4,
  /** runtime.json and the lock: removed last, once nothing runs any more */
  files: 5,
} as const;

const SHUTDOWN_LIMIT_MS = 120_000;

/** A failure a person can act on: printed as-is, without a stack trace. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

/** Raised into the start-up steps when a stop was requested, so they stop where they are. */
class StopRequested extends Error {}

type Resource = {
  name: string;
  phase: number;
  stop: () => Promise<void>;
  /** synchronous last resort when the supervisor exits without having stopped it */
  emergency?: () => void;
};

export class Supervisor {
  private readonly resources = new Set<Resource>();
  private stopping = false;
  private finishing: Promise<void> | undefined;
  private rejectFailure: (error: Error) => void = () => undefined;
  /** Rejects when start-up must stop (a failure or a stop request); race long steps against it. */
  readonly failure: Promise<never>;

  constructor() {
    this.failure = new Promise<never>((_, reject) => {
      this.rejectFailure = reject;
    });
    this.failure.catch(() => undefined);
    process.on("exit", () => this.emergencyKill());
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Register something to stop; returns a function that unregisters it (it stopped on its own). */
  add(resource: Resource): () => void {
    this.resources.add(resource);
    return () => {
      this.resources.delete(resource);
    };
  }

  /** `promise`, unless start-up fails or is stopped first. */
  guard<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.failure]);
  }

  /** Start-up (or a running child) failed: report, stop everything, exit 1. */
  fail(error: unknown): Promise<void> {
    return this.finish(1, error);
  }

  /** Ctrl-C or SIGTERM: stop everything, exit 0. */
  stop(signal: string): Promise<void> {
    return this.finish(0, undefined, signal);
  }

  private finish(code: number, error: unknown, signal?: string): Promise<void> {
    if (this.finishing) return this.finishing;
    this.stopping = true;
    this.rejectFailure(error instanceof Error ? error : new StopRequested(String(error)));
    this.finishing = (async () => {
      if (error !== undefined) report(error);
      const started = performance.now();
      // Only the lock was taken (or nothing at all): nothing worth announcing.
      const isQuiet = signal === undefined && [...this.resources].every((r) => r.phase === PHASES.files);
      if (!isQuiet) say(signal ? `\nStopping Gatehouse (${signal})…` : "Stopping what was started…");
      // Every stop step has its own time limit; this one is for a bug in them.
      setTimeout(() => {
        sayError(`Stopping took longer than ${SHUTDOWN_LIMIT_MS / 1000} s; killing what is left.`);
        process.exit(code === 0 ? 1 : code);
      }, SHUTDOWN_LIMIT_MS).unref();
      await this.shutdown();
      if (!isQuiet) say(`Stopped ${style.dim(`(${seconds(performance.now() - started)})`)}`);
      process.exit(code);
    })();
    return this.finishing;
  }

  private async shutdown(): Promise<void> {
    const phases = [...new Set([...this.resources].map((resource) => resource.phase))].sort((a, b) => a - b);
    for (const phase of phases) {
      const batch = [...this.resources].filter((resource) => resource.phase === phase);
      await Promise.all(
        batch.map(async (resource) => {
          try {
            await resource.stop();
          } catch (stopError) {
            sayError(`  could not stop ${resource.name} cleanly: ${messageOf(stopError)}`);
            resource.emergency?.();
          }
          this.resources.delete(resource);
        }),
      );
    }
    // Registered while stopping (a step that was already under way): stop those too.
    if (this.resources.size > 0) await this.shutdown();
  }

  /** On process exit, whatever is still registered is killed without waiting. */
  private emergencyKill(): void {
    for (const resource of this.resources) {
      try {
        resource.emergency?.();
      } catch {
        // Exiting anyway; nothing else to try.
      }
    }
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function report(error: unknown): void {
  if (error instanceof StopRequested) return;
  if (error instanceof StartupError || error instanceof ConfigError) {
    sayError(`\n${error.message}`);
    return;
  }
  sayError(`\nGatehouse failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
