import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../fixtures/everything-server";
import {
  createDatabase,
  deleteRedisKeys,
  dropDatabase,
  randomRedisPrefix,
  TEST_REDIS_URL,
} from "../integration/helpers/test-database";

/**
 * Playwright's web server: a throwaway database, Redis prefix and data folder, then the real
 * `npm start` supervisor (migrate, seed the demo, app in production mode, worker, demo upstreams)
 * pointed at them. On SIGTERM it stops the supervisor and removes everything it created.
 */
const root = path.resolve(import.meta.dirname, "../..");
const port = process.env.E2E_PORT ?? "3217";

const database = await createDatabase("gatehouse_e2e");
const redisKeyPrefix = randomRedisPrefix("e2e");
const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-e2e-"));
const demoPort = await freePort();

const child = spawn(
  process.execPath,
  [path.join(root, "node_modules/tsx/dist/cli.mjs"), "server/runtime/start.ts"],
  {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: port,
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: redisKeyPrefix,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_DEMO: "true",
      // Consecutive free ports are not guaranteed; the SSE demo uses demoPort + 1.
      GATEHOUSE_DEMO_UPSTREAM_PORT: String(demoPort),
      LOG_LEVEL: "warn",
    },
  },
);

let cleaned = false;
async function cleanUp(code: number): Promise<never> {
  if (!cleaned) {
    cleaned = true;
    await dropDatabase(database.name).catch((error) => console.error("could not drop e2e database", error));
    await deleteRedisKeys(redisKeyPrefix).catch((error) =>
      console.error("could not delete e2e Redis keys", error),
    );
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(code);
}

child.on("exit", (code) => void cleanUp(code ?? 1));
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
