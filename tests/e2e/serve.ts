import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEMO_OWNER_EMAIL } from "../../prisma/seed/demo";
import { freePort } from "../fixtures/everything-server";
import { startTestIdp } from "../fixtures/oidc-provider";
import {
  createDatabase,
  deleteRedisKeys,
  dropDatabase,
  randomRedisPrefix,
  TEST_REDIS_URL,
} from "../integration/helpers/test-database";
import { type E2eState, statePath } from "./state";

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

// A real OpenID Connect provider for the SSO journeys, and a tiny endpoint to change its users' groups.
const idpUser = {
  email: "ida.idp@example.test",
  name: "Ida IdP",
  password: "idp-password-1",
  groups: ["engineering"],
};
const idp = await startTestIdp({
  redirectUris: [`http://localhost:${port}/api/auth/callback/oidc`],
  users: [idpUser],
});
const control = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => {
    body += chunk;
  });
  req.on("end", () => {
    const { email, groups } = JSON.parse(body || "{}") as { email?: string; groups?: string[] };
    if (req.url !== "/groups" || !email || !Array.isArray(groups)) {
      res.writeHead(400).end();
      return;
    }
    idp.setGroups(email, groups);
    res.writeHead(204).end();
  });
});
const controlPort = await freePort();
await new Promise<void>((resolve) => control.listen(controlPort, "127.0.0.1", resolve));

// Known to the specs too (state file), so they can seal audit bodies the server then opens.
const encryptionKey = randomBytes(32).toString("base64");

const state: E2eState = {
  databaseUrl: database.url,
  dataDir,
  ownerEmail: DEMO_OWNER_EMAIL,
  idp: { issuer: idp.issuer, controlUrl: `http://127.0.0.1:${controlPort}`, user: idpUser },
  encryptionKey,
};
writeFileSync(statePath(Number(port)), JSON.stringify(state, null, 2));

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
      GATEHOUSE_ENCRYPTION_KEY: encryptionKey,
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_DEMO: "true",
      // Consecutive free ports are not guaranteed; the SSE demo uses demoPort + 1.
      GATEHOUSE_DEMO_UPSTREAM_PORT: String(demoPort),
      LOG_LEVEL: "warn",
      AUTH_OIDC_ISSUER: idp.issuer,
      AUTH_OIDC_CLIENT_ID: idp.clientId,
      AUTH_OIDC_CLIENT_SECRET: idp.clientSecret,
      AUTH_OIDC_NAME: "Test IdP",
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
    rmSync(statePath(Number(port)), { force: true });
    control.close();
    await idp.stop();
  }
  process.exit(code);
}

child.on("exit", (code) => void cleanUp(code ?? 1));
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
