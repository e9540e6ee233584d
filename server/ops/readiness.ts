import type { Redis } from "ioredis";
import type { Db } from "../db";

export type DependencyCheck = { ok: boolean; latencyMs: number; error?: string };

const CHECK_TIMEOUT_MS = 2_000;

async function timed(check: () => Promise<unknown>): Promise<DependencyCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    // Only the first line: driver errors can carry connection strings further down.
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unreachable";
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: message };
  } finally {
    clearTimeout(timer);
  }
}

export function checkDatabase(db: Db): Promise<DependencyCheck> {
  return timed(() => db.$queryRaw`SELECT 1`);
}

export function checkRedis(client: Redis): Promise<DependencyCheck> {
  return timed(() => client.ping());
}
