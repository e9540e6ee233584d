import { spawn } from "node:child_process";
import path from "node:path";

/**
 * `npm test`: every check, in the order that fails fastest, each step timed.
 * type check → lint → unit → build (production, reused by the next steps) → integration → e2e.
 * Integration and end-to-end tests use the PostgreSQL and Redis on this machine, each run in its
 * own database and key prefix. `npm test -- --only unit,integration` runs a subset.
 */
const root = path.resolve(import.meta.dirname, "..");
const tsx = path.join(root, "node_modules/tsx/dist/cli.mjs");
const bin = (name: string) => path.join(root, "node_modules/.bin", name);

type Step = { name: string; command: string; args: string[] };

const STEPS: Step[] = [
  { name: "generate", command: process.execPath, args: [path.join(root, "prisma/tools/generate.mjs")] },
  { name: "typecheck", command: bin("tsc"), args: ["--noEmit"] },
  { name: "lint", command: bin("biome"), args: ["check", "."] },
  { name: "unit", command: bin("vitest"), args: ["run", "--project", "unit"] },
  { name: "build", command: process.execPath, args: [tsx, path.join(root, "server/runtime/build-cli.ts")] },
  { name: "integration", command: bin("vitest"), args: ["run", "--project", "integration"] },
  { name: "e2e", command: bin("playwright"), args: ["test"] },
];

function run(step: Step): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", FORCE_COLOR: process.env.CI ? "0" : "1" },
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on("error", () => resolve(127));
  });
}

const onlyIndex = process.argv.indexOf("--only");
const only = onlyIndex >= 0 ? (process.argv[onlyIndex + 1] ?? "").split(",") : null;
const steps = only ? STEPS.filter((step) => only.includes(step.name)) : STEPS;

const results: { name: string; seconds: number; ok: boolean }[] = [];
let failed = false;
for (const step of steps) {
  console.log(`\n━━ ${step.name} ━━`);
  const started = performance.now();
  const code = await run(step);
  results.push({ name: step.name, seconds: (performance.now() - started) / 1000, ok: code === 0 });
  if (code !== 0) {
    failed = true;
    break;
  }
}

console.log("\n━━ summary ━━");
for (const result of results)
  console.log(`${result.ok ? "✓" : "✗"} ${result.name.padEnd(12)} ${result.seconds.toFixed(1)} s`);
for (const step of steps.slice(results.length)) console.log(`- ${step.name.padEnd(12)} not run`);
process.exit(failed ? 1 : 0);
