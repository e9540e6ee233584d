#!/usr/bin/env node
// `npm start`, step zero. Plain Node with no dependencies, because it runs before node_modules may
// exist: check the Node version, install dependencies when they are missing or the lockfile
// changed, then hand over to the TypeScript supervisor (server/runtime/start.ts).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { constants } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const MINIMUM_NODE = [20, 19, 0];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const lockfile = path.join(root, "package-lock.json");
const modules = path.join(root, "node_modules");
const installedHashFile = path.join(modules, ".gatehouse-lock-hash");

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function checkNodeVersion() {
  const current = process.versions.node.split(".").map(Number);
  for (let i = 0; i < MINIMUM_NODE.length; i++) {
    if ((current[i] ?? 0) > MINIMUM_NODE[i]) return;
    if ((current[i] ?? 0) < MINIMUM_NODE[i]) {
      fail(
        `Gatehouse needs Node.js ${MINIMUM_NODE.join(".")} or newer; this is ${process.versions.node}.\n` +
          "Install a current LTS from https://nodejs.org, or with a version manager (`nvm install 22`), and run `npm start` again.",
      );
    }
  }
}

function lockfileHash() {
  return createHash("sha256").update(readFileSync(lockfile)).digest("hex");
}

function isInstallCurrent(hash) {
  if (!existsSync(modules)) return false;
  if (existsSync(installedHashFile)) return readFileSync(installedHashFile, "utf8").trim() === hash;
  // Installed by hand (`npm install`/`npm ci`) rather than by us: npm's own record of the installed
  // tree is newer than the lockfile, so the lockfile has not changed since that install.
  const npmRecord = path.join(modules, ".package-lock.json");
  return existsSync(npmRecord) && statSync(npmRecord).mtimeMs >= statSync(lockfile).mtimeMs;
}

function installDependencies() {
  if (!existsSync(lockfile)) fail(`${lockfile} is missing: run \`npm install\` once, then \`npm start\`.`);
  const hash = lockfileHash();
  if (isInstallCurrent(hash)) {
    if (!existsSync(installedHashFile)) writeFileSync(installedHashFile, `${hash}\n`);
    return;
  }
  const started = Date.now();
  process.stdout.write(
    existsSync(modules)
      ? "package-lock.json changed since the last install: running `npm install`…\n"
      : "Installing dependencies (`npm install`, first start only)…\n",
  );
  // Not `npm ci`: a registry that serves only this platform's native builds produces a lockfile
  // without the other platforms' optional packages, which `npm ci` rejects as out of sync.
  // `npm install` installs the locked versions and leaves such a lockfile as it is.
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["install", "--no-audit", "--no-fund"], {
    cwd: root,
    stdio: "inherit",
    shell: process.platform === "win32",
  });
  if (result.error) fail(`Could not run npm: ${result.error.message}`);
  if (result.status !== 0) fail(`\`npm install\` failed (exit code ${result.status}); see its output above.`);
  // Hashed again: `npm install` may have rewritten the lockfile.
  writeFileSync(installedHashFile, `${lockfileHash()}\n`);
  process.stdout.write(`Dependencies installed in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
}

function runSupervisor() {
  const require = createRequire(path.join(root, "package.json"));
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  // Its own process group: a Ctrl-C in the terminal reaches only this launcher, which passes it
  // on once, and the supervisor then stops its children in order (they would otherwise all get
  // the SIGINT at the same moment, PostgreSQL before the app has finished its requests).
  const child = spawn(
    process.execPath,
    ["--import", tsx, path.join(root, "server/runtime/start.ts"), ...process.argv.slice(2)],
    { stdio: ["ignore", "inherit", "inherit"], detached: true },
  );
  const forward = (signal) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on("SIGINT", forward("SIGINT"));
  process.on("SIGTERM", forward("SIGTERM"));
  process.on("SIGHUP", forward("SIGHUP"));
  child.on("error", (error) => fail(`Could not start the supervisor: ${error.message}`));
  child.on("exit", (code, signal) => {
    if (signal) process.exit(128 + (constants.signals[signal] ?? 1));
    process.exit(code ?? 1);
  });
}

checkNodeVersion();
installDependencies();
runSupervisor();
