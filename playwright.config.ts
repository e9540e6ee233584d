import { defineConfig, devices } from "@playwright/test";

/**
 * End-to-end tests in Debian's Chromium against the production build, served by the same
 * supervisor as `npm start` (app, worker, demo upstreams) on a throwaway database: see
 * tests/e2e/serve.ts. Never `npx playwright install`: the browser comes from apt.
 */
const PORT = Number(process.env.E2E_PORT ?? 3217);
const baseURL = `http://localhost:${PORT}`;
/** Per port, so runs on different ports (parallel work on one machine) never clean each other's output. */
const OUTPUT_DIR = process.env.E2E_PORT ? `test-results/port-${PORT}` : "test-results";
process.env.E2E_OUTPUT_DIR = OUTPUT_DIR;

const CHROMIUM = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
};

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: OUTPUT_DIR,
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: true,
  // Multi-page journeys take 20–35 s on the slower CI VMs (an Intel VM ran them 1.5× slower than
  // the AMD one); the longest set their own budget with test.setTimeout.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts/, use: { launchOptions: CHROMIUM } },
    {
      name: "chromium",
      dependencies: ["setup"],
      use: {
        ...devices["Desktop Chrome"],
        // Signed in as the demo owner by auth.setup.ts; specs about signing in start from nothing.
        storageState: `${OUTPUT_DIR}/.auth/owner.json`,
        launchOptions: CHROMIUM,
      },
    },
  ],
  webServer: {
    command: "node node_modules/tsx/dist/cli.mjs tests/e2e/serve.ts",
    url: `${baseURL}/api/ready`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: { E2E_PORT: String(PORT) },
    gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
  },
});
