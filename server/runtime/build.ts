import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { type Child, nodeArgs, spawnChild } from "./children";
import { PHASES, StartupError, type Supervisor } from "./supervisor";

/**
 * The production build of the app (`next build`), made on the first start and again only when
 * its inputs changed: a hash of their contents is kept in `.next/gatehouse-build-hash`.
 */
export const BUILD_INPUTS = [
  "app",
  "components",
  "server",
  "public",
  "next.config.mjs",
  "package-lock.json",
  "tsconfig.json",
  "postcss.config.mjs",
  "prisma/schema.prisma",
];

// Never bundled into the app: editing the supervisor must not cost a rebuild.
const NOT_BUILD_INPUTS = new Set([path.join("server", "runtime")]);

export const BUILD_HASH_FILE = path.join(".next", "gatehouse-build-hash");

function collectFiles(root: string, relative: string, into: string[]): void {
  if (NOT_BUILD_INPUTS.has(relative)) return;
  const absolute = path.join(root, relative);
  if (!existsSync(absolute)) return;
  if (!statSync(absolute).isDirectory()) {
    into.push(relative);
    return;
  }
  for (const entry of readdirSync(absolute, { withFileTypes: true })) {
    const child = path.join(relative, entry.name);
    if (entry.isDirectory()) collectFiles(root, child, into);
    else if (entry.isFile()) into.push(child);
  }
}

/** SHA-256 over the paths and contents of every build input (a few MB: well under a second). */
export function hashBuildInputs(root: string): string {
  const files: string[] = [];
  for (const input of BUILD_INPUTS) collectFiles(root, input, files);
  const hash = createHash("sha256");
  for (const file of files.sort()) {
    hash.update(file.split(path.sep).join("/"));
    hash.update("\0");
    hash.update(readFileSync(path.join(root, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

export function isBuildCurrent(root: string, hash: string): boolean {
  const stored = path.join(root, BUILD_HASH_FILE);
  return (
    existsSync(path.join(root, ".next", "BUILD_ID")) &&
    existsSync(stored) &&
    readFileSync(stored, "utf8").trim() === hash
  );
}

export type BuildOutcome = { built: boolean; reason: string };

/** Build when the stored hash differs (or no build exists). Throws StartupError with the build's output. */
export async function ensureBuild(
  supervisor: Supervisor,
  options: {
    root: string;
    env: NodeJS.ProcessEnv;
    /** the build's output; without one it is shown as it happens */
    logFile?: string;
    onStart: (reason: string) => void;
    onSpawn?: (child: Child) => void;
  },
): Promise<BuildOutcome> {
  const { root } = options;
  if (isBuildCurrent(root, hashBuildInputs(root))) return { built: false, reason: "up to date" };
  // Two starts from one checkout (e.g. parallel test runs) must not write .next at the same time:
  // the second waits, then finds the first one's build current.
  const release = await acquireBuildLock(root, supervisor);
  try {
    return await buildIfStale(supervisor, options);
  } finally {
    release();
  }
}

const BUILD_LOCK_DIR = ".next-build.lock";
const BUILD_LOCK_WAIT_MS = 15 * 60_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A directory lock holding the builder's pid; a lock left by a dead process is taken over. */
async function acquireBuildLock(root: string, supervisor: Supervisor): Promise<() => void> {
  const dir = path.join(root, BUILD_LOCK_DIR);
  const pidFile = path.join(dir, "pid");
  const deadline = Date.now() + BUILD_LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(pidFile, String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number.parseInt(existsSync(pidFile) ? readFileSync(pidFile, "utf8") : "", 10);
    if (Number.isInteger(holder) && !isAlive(holder)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (supervisor.isStopping) throw new StartupError("build interrupted");
    if (Date.now() > deadline) throw new StartupError(`Another build holds ${dir}; gave up waiting.`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function buildIfStale(
  supervisor: Supervisor,
  options: Parameters<typeof ensureBuild>[1],
): Promise<BuildOutcome> {
  const { root } = options;
  const hash = hashBuildInputs(root);
  if (isBuildCurrent(root, hash)) return { built: false, reason: "up to date" };
  const reason = existsSync(path.join(root, ".next", "BUILD_ID"))
    ? "sources changed since the last build"
    : "no build yet";
  options.onStart(reason);

  // An interrupted build must not leave a hash that claims the half-written output is current.
  rmSync(path.join(root, BUILD_HASH_FILE), { force: true });
  const nextBin = createRequire(path.join(root, "package.json")).resolve("next/dist/bin/next");
  const child = spawnChild(supervisor, {
    name: "build",
    command: process.execPath,
    args: nodeArgs(nextBin, ["build"]),
    cwd: root,
    env: options.env,
    phase: PHASES.app,
    logFile: options.logFile,
    echo: options.logFile ? undefined : "all",
    oneShot: true,
    stopTimeoutMs: 5_000,
  });
  options.onSpawn?.(child);
  const exit = await child.exited;
  if (supervisor.isStopping) throw new StartupError("build interrupted");
  if (exit.code !== 0) {
    const how = exit.error ? `could not run: ${exit.error.message}` : `exited with code ${exit.code}`;
    const output = options.logFile
      ? `\nIts last output (all of it in ${options.logFile}):\n${child
          .tail(25)
          .map((line) => `  ${line}`)
          .join("\n")}`
      : "";
    throw new StartupError(`The app build failed (next build ${how}).${output}`);
  }
  // Hashed before building: a file edited during the build makes the next start build again.
  writeFileSync(path.join(root, BUILD_HASH_FILE), `${hash}\n`);
  return { built: true, reason };
}
