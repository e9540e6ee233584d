import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_ENV_DEFAULTS, APP_NODE_FLAGS } from "@/server/runtime/children";
import {
  findProcesses,
  freePort,
  freePortPair,
  type GatehouseRun,
  killProcesses,
  startGatehouse,
  stopGatehouse,
  waitForNoProcesses,
} from "./helpers/gatehouse-process";
import { ownerPasswordFrom, signInOverHttp } from "./helpers/sign-in";

/**
 * `npm start` on a fresh data folder with nothing configured: embedded PostgreSQL and Redis,
 * generated secrets, migrations, demo, build, upstreams, worker and app; a second start on the
 * same folder is refused; Ctrl-C leaves nothing running; a restart reuses everything.
 */
const MINUTE = 60_000;
const BANNER = /Ctrl-C to stop/;

type Upstream = { slug: string; healthStatus: string; toolCount: number | null };
type Overview = { counts: { users: number; servers: number }; upstreams: Upstream[] };

let dataDir: string;
let appPort: number;
let demoPort: number;
let env: NodeJS.ProcessEnv;
/** ports the supervisor picked for PostgreSQL and Redis, read from runtime.json */
let servicePorts: number[] = [];
const runs: GatehouseRun[] = [];
let firstStartMs = 0;
let ownerCookie: string | undefined;
let secondStartMs = 0;

function markers() {
  return { dataDir, ports: [appPort, demoPort, demoPort + 1, ...servicePorts] };
}

function modeOf(file: string): number {
  return statSync(file).mode & 0o777;
}

/** Signs in as the demo owner (with the password `npm start` saved) and reads the overview. */
async function overview(): Promise<Overview> {
  const baseUrl = `http://127.0.0.1:${appPort}`;
  const password = ownerPasswordFrom(readFileSync(path.join(dataDir, "owner-password.txt"), "utf8"));
  // One sign-in serves both runs: the session lives in the (reused) database.
  ownerCookie ??= await signInOverHttp(baseUrl, "owner@gatehouse.local", password);
  const cookie = ownerCookie;
  const response = await fetch(`${baseUrl}/api/trpc/system.getOverview`, { headers: { cookie } });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { result: { data: { json: Overview } } };
  return body.result.data.json;
}

async function start(): Promise<{ run: GatehouseRun; ms: number }> {
  const started = performance.now();
  const run = startGatehouse(env);
  runs.push(run);
  // A first start may have to build the app when the suite has not built it already.
  await run.waitFor(BANNER, 5 * MINUTE);
  return { run, ms: performance.now() - started };
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-embedded-"));
  appPort = await freePort();
  demoPort = await freePortPair();
  env = { ...process.env };
  // A fresh clone: nothing configured, so everything is embedded and generated.
  for (const name of [
    "DATABASE_URL",
    "REDIS_URL",
    "AUTH_SECRET",
    "GATEHOUSE_ENCRYPTION_KEY",
    "REDIS_KEY_PREFIX",
    "GATEHOUSE_DEMO",
    "GATEHOUSE_PUBLIC_URL",
    "HOST",
    "NODE_ENV",
    "NODE_OPTIONS",
  ])
    delete env[name];
  Object.assign(env, {
    GATEHOUSE_DATA_DIR: dataDir,
    PORT: String(appPort),
    GATEHOUSE_DEMO_UPSTREAM_PORT: String(demoPort),
    LOG_LEVEL: "info",
  });
});

afterAll(async () => {
  // Whatever happened above, leave no process and no folder behind.
  for (const run of runs) {
    const code = await stopGatehouse(run, "SIGINT", 45_000);
    if (code === undefined) run.process.kill("SIGKILL");
  }
  killProcesses(findProcesses(markers()));
  await delay(500);
  rmSync(dataDir, { recursive: true, force: true });
  if (firstStartMs > 0)
    console.log(
      `npm start: first start ${(firstStartMs / 1000).toFixed(1)} s, second start ${(secondStartMs / 1000).toFixed(1)} s`,
    );
}, 2 * MINUTE);

describe("npm start with nothing configured", () => {
  let first: GatehouseRun;

  it(
    "starts PostgreSQL, Redis, the worker, the demo upstreams and the app",
    async () => {
      const started = await start();
      first = started.run;
      firstStartMs = started.ms;

      const ready = await fetch(`http://127.0.0.1:${appPort}/api/ready`);
      expect(ready.status).toBe(200);

      const runtime = JSON.parse(readFileSync(path.join(dataDir, "runtime.json"), "utf8")) as Record<
        string,
        string
      >;
      expect(runtime.DATABASE_URL).toMatch(/^postgresql:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/gatehouse$/);
      expect(runtime.REDIS_URL).toMatch(/^redis:\/\/:[^@]+@127\.0\.0\.1:\d+$/);
      servicePorts = [runtime.DATABASE_URL, runtime.REDIS_URL].map((url) => Number(new URL(url ?? "").port));

      // The app process runs with the V8 flags chosen for the proxy (server/runtime/children.ts).
      const app = findProcesses(markers()).find((found) =>
        found.args.some((arg) => arg.endsWith("server/http/main.ts")),
      );
      expect(app?.args).toEqual(expect.arrayContaining([...APP_NODE_FLAGS]));
      // ... and its environment defaults (server/runtime/children.ts), unless the operator set them.
      const appEnvironment = readFileSync(`/proc/${app?.pid}/environ`, "utf8").split("\0");
      for (const [name, value] of Object.entries(APP_ENV_DEFAULTS))
        expect(appEnvironment).toContain(`${name}=${process.env[name] ?? value}`);
    },
    6 * MINUTE,
  );

  it(
    "runs the worker: the demo upstreams get checked and report their tools",
    async () => {
      let upstreams: Upstream[] = [];
      const deadline = Date.now() + 2 * MINUTE;
      while (Date.now() < deadline) {
        upstreams = (await overview()).upstreams;
        const isChecked = ["everything", "everything-sse"].every((slug) =>
          upstreams.some(
            (row) => row.slug === slug && row.healthStatus === "HEALTHY" && (row.toolCount ?? 0) > 0,
          ),
        );
        if (isChecked) break;
        await delay(1_000);
      }
      expect(upstreams).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            slug: "everything",
            healthStatus: "HEALTHY",
            toolCount: expect.any(Number),
          }),
          expect.objectContaining({
            slug: "everything-sse",
            healthStatus: "HEALTHY",
            toolCount: expect.any(Number),
          }),
        ]),
      );
    },
    3 * MINUTE,
  );

  it("keeps generated secrets private and never prints them", () => {
    const secretsFile = path.join(dataDir, "secrets.json");
    expect(modeOf(secretsFile)).toBe(0o600);
    expect(modeOf(path.join(dataDir, "runtime.json"))).toBe(0o600);
    expect(modeOf(path.join(dataDir, "owner-password.txt"))).toBe(0o600);

    const secrets = JSON.parse(readFileSync(secretsFile, "utf8")) as Record<string, string>;
    expect(Buffer.from(secrets.AUTH_SECRET ?? "", "base64url")).toHaveLength(48);
    expect(Buffer.from(secrets.GATEHOUSE_ENCRYPTION_KEY ?? "", "base64")).toHaveLength(32);
    for (const value of Object.values(secrets)) expect(first.output()).not.toContain(value);

    // The first owner password is shown once, and kept where later starts point to.
    const password = /password:\s+(\S+)/.exec(
      readFileSync(path.join(dataDir, "owner-password.txt"), "utf8"),
    )?.[1];
    expect(password).toBeTruthy();
    expect(first.output()).toContain(password);
    expect(first.output()).toContain("owner@gatehouse.local");
  });

  it(
    "refuses a second start on the same data folder without touching it",
    async () => {
      const lockFile = path.join(dataDir, "gatehouse.pid");
      const lockBefore = readFileSync(lockFile, "utf8");
      const secretsBefore = readFileSync(path.join(dataDir, "secrets.json"), "utf8");
      const holder = (JSON.parse(lockBefore) as { pid: number }).pid;

      const second = startGatehouse(env);
      runs.push(second);
      const code = await Promise.race([second.exited, delay(MINUTE).then(() => "timeout" as const)]);
      expect(code).not.toBe("timeout");
      expect(code).not.toBe(0);
      expect(second.output()).toMatch(/already running/);
      expect(second.output()).toContain(`pid ${holder}`);
      expect(second.output()).toContain(`http://localhost:${appPort}`);

      expect(readFileSync(lockFile, "utf8")).toBe(lockBefore);
      expect(readFileSync(path.join(dataDir, "secrets.json"), "utf8")).toBe(secretsBefore);
      expect((await fetch(`http://127.0.0.1:${appPort}/api/ready`)).status).toBe(200);
    },
    2 * MINUTE,
  );

  it(
    "stops every process on Ctrl-C",
    async () => {
      expect(findProcesses(markers()).length).toBeGreaterThanOrEqual(6);
      const code = await stopGatehouse(first, "SIGINT", MINUTE);
      expect(code).toBe(0);
      expect(first.output()).toMatch(/Stopped/);
      expect(await waitForNoProcesses(markers(), 10_000)).toEqual([]);
      expect(existsSync(path.join(dataDir, "runtime.json"))).toBe(false);
      expect(existsSync(path.join(dataDir, "gatehouse.pid"))).toBe(false);
    },
    2 * MINUTE,
  );

  it(
    "starts again from the same data: no new cluster, demo or build, faster",
    async () => {
      const firstPassword = /password:\s+(\S+)/.exec(
        readFileSync(path.join(dataDir, "owner-password.txt"), "utf8"),
      )?.[1];
      const { run, ms } = await start();
      secondStartMs = ms;

      expect(run.output()).not.toContain(firstPassword);
      expect(run.output()).not.toMatch(/new cluster|building the app/);
      expect(run.output()).toContain(path.join(dataDir, "owner-password.txt"));
      expect((await fetch(`http://127.0.0.1:${appPort}/api/ready`)).status).toBe(200);
      const data = await overview();
      expect(data.counts.users).toBeGreaterThanOrEqual(6);
      expect(data.upstreams.map((row) => row.slug)).toEqual(
        expect.arrayContaining(["everything", "everything-sse"]),
      );

      expect(await stopGatehouse(run, "SIGINT", MINUTE)).toBe(0);
      expect(await waitForNoProcesses(markers(), 10_000)).toEqual([]);
    },
    6 * MINUTE,
  );
});
