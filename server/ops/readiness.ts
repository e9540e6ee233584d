import type { Redis } from "ioredis";
import type { Db } from "../db";
import { logger } from "../logger";

export type DependencyCheck = { ok: boolean; latencyMs: number; error?: string };

const CHECK_TIMEOUT_MS = 2_000;

const TIMEOUT_MESSAGE = `no answer within ${CHECK_TIMEOUT_MS} ms`;

async function timed(name: string, check: () => Promise<unknown>): Promise<DependencyCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(TIMEOUT_MESSAGE)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    // Anyone may ask for readiness, so the answer says only "down" or "slow": the driver's message
    // names hosts and ports (and, further down, connection strings). Its first line goes to the log.
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    logger()
      .child({ component: "readiness" })
      .warn({ dependency: name, error: message }, "dependency check failed");
    const isSlow = message === TIMEOUT_MESSAGE;
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: isSlow ? message : "unreachable",
    };
  } finally {
    clearTimeout(timer);
  }
}

export function checkDatabase(db: Db): Promise<DependencyCheck> {
  return timed("database", () => db.$queryRaw`SELECT 1`);
}

export function checkRedis(client: Redis): Promise<DependencyCheck> {
  return timed("redis", () => client.ping());
}
