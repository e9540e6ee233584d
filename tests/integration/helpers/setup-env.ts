import { randomBytes } from "node:crypto";
import { inject } from "vitest";

// Runs in each test worker before the test file imports anything that calls env().
Object.assign(process.env, {
  DATABASE_URL: inject("databaseUrl"),
  REDIS_URL: inject("redisUrl"),
  REDIS_KEY_PREFIX: inject("redisKeyPrefix"),
  AUTH_SECRET: randomBytes(32).toString("base64url"),
  GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  GATEHOUSE_DATA_DIR: "/nonexistent/gatehouse-test-data",
  LOG_LEVEL: "warn",
  NODE_ENV: "test",
  // The stdio fixtures (server-everything in node_modules, wrappers in mkdtemp folders) may sit
  // where an unprivileged user cannot read them (a checkout under a private folder), so their
  // processes keep the test runner's user; mcp-stdio-sandbox.test.ts proves the default (nobody).
  GATEHOUSE_STDIO_RUN_AS: "gateway",
});
