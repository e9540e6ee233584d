import { spawnSync } from "node:child_process";
import path from "node:path";
import { inject } from "vitest";
import { ROOT } from "./gatehouse-process";

export type CliResult = { code: number | null; out: string; err: string };

/**
 * Runs `gatehouse …` (server/cli/bin.mjs) against the test database and Redis, as an operator would,
 * with only the environment the CLI needs. The generous timeout covers tsx compiling the CLI cold.
 */
export function gatehouse(...args: string[]): CliResult {
  return gatehouseWith({}, ...args);
}

/** `gatehouse …` with some of its environment replaced (another database, say). */
export function gatehouseWith(overrides: Record<string, string>, ...args: string[]): CliResult {
  const result = spawnSync(process.execPath, [path.join(ROOT, "server/cli/bin.mjs"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      NODE_ENV: "test",
      DATABASE_URL: inject("databaseUrl"),
      REDIS_URL: inject("redisUrl"),
      REDIS_KEY_PREFIX: inject("redisKeyPrefix"),
      AUTH_SECRET: process.env.AUTH_SECRET,
      GATEHOUSE_ENCRYPTION_KEY: process.env.GATEHOUSE_ENCRYPTION_KEY,
      GATEHOUSE_DATA_DIR: "/nonexistent/gatehouse-data",
      LOG_LEVEL: "warn",
      ...overrides,
    },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}
