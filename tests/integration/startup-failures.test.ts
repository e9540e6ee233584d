import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { freePort } from "../fixtures/everything-server";

/**
 * The app and worker refuse to start, with one readable line per problem and no stack trace, when
 * configuration is invalid, secrets are weak in production, or PostgreSQL/Redis are unreachable.
 */
const root = path.resolve(import.meta.dirname, "../..");
const tsx = path.join(root, "node_modules/tsx/dist/cli.mjs");

const GOOD = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  DATABASE_URL: inject("databaseUrl"),
  REDIS_URL: inject("redisUrl"),
  REDIS_KEY_PREFIX: inject("redisKeyPrefix"),
  AUTH_SECRET: randomBytes(32).toString("base64url"),
  GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  GATEHOUSE_DATA_DIR: "/nonexistent/gatehouse-data",
};

function start(entry: string, env: Record<string, string>, nodeEnv: "production" | null = "production") {
  const result = spawnSync(process.execPath, [tsx, entry], {
    cwd: root,
    env: (nodeEnv === null ? env : { ...env, NODE_ENV: nodeEnv }) as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, output: `${result.stdout}\n${result.stderr}` };
}

const STACK_FRAME = /\n\s+at .+:\d+:\d+/;

describe.each([
  ["app", "server/http/main.ts"],
  ["worker", "workers/index.ts"],
])("the %s process refuses to start", (_name, entry) => {
  it("with invalid configuration, naming each variable", () => {
    const { code, output } = start(entry, {
      ...GOOD,
      PORT: "not-a-port",
      GATEHOUSE_ENCRYPTION_KEY: "dG9vIHNob3J0",
      DATABASE_URL: "mysql://somewhere/db",
    });
    expect(code).toBe(1);
    expect(output).toContain("Invalid configuration");
    expect(output).toMatch(/- PORT: /);
    expect(output).toMatch(/- GATEHOUSE_ENCRYPTION_KEY: must be 32 bytes/);
    expect(output).toMatch(/- DATABASE_URL: /);
    expect(output).not.toMatch(STACK_FRAME);
  });

  it("with missing secrets", () => {
    const { AUTH_SECRET: _a, GATEHOUSE_ENCRYPTION_KEY: _k, ...rest } = GOOD;
    const { code, output } = start(entry, rest);
    expect(code).toBe(1);
    expect(output).toMatch(/- AUTH_SECRET: not set/);
    expect(output).toMatch(/- GATEHOUSE_ENCRYPTION_KEY: not set/);
    expect(output).not.toMatch(STACK_FRAME);
  });
});

describe("the app refuses to start", () => {
  it.each([
    ["production", "production" as const],
    ["unset (serving without --dev is production)", null],
  ])("with a weak secret, NODE_ENV %s", (_name, nodeEnv) => {
    const { code, output } = start("server/http/main.ts", { ...GOOD, AUTH_SECRET: "changeme" }, nodeEnv);
    expect(code).toBe(1);
    expect(output).toContain("Refusing to start in production with weak settings");
    expect(output).toMatch(/- AUTH_SECRET: weak or default/);
    expect(output).not.toContain("changeme");
  });

  it("when PostgreSQL and Redis are unreachable, saying which, without the password", async () => {
    const [pgPort, redisPort] = [await freePort(), await freePort()];
    const { code, output } = start("server/http/main.ts", {
      ...GOOD,
      DATABASE_URL: `postgresql://gatehouse:s3cret-pw@127.0.0.1:${pgPort}/gatehouse`,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    });
    expect(code).toBe(1);
    expect(output).toContain("Cannot start:");
    expect(output).toMatch(/- PostgreSQL: cannot connect to postgresql:\/\/gatehouse:\*\*\*@127\.0\.0\.1/);
    expect(output).toMatch(/- Redis: cannot connect to redis:\/\/127\.0\.0\.1:\d+\/?: connect ECONNREFUSED/);
    expect(output).not.toContain("s3cret-pw");
    expect(output).not.toMatch(STACK_FRAME);
  });
});
