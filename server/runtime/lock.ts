import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { writePrivateFile } from "./files";
import { commandLine, isProcessAlive, terminate } from "./processes";
import { StartupError } from "./supervisor";

/**
 * One `npm start` per data folder: `<data>/gatehouse.pid` is created with O_EXCL and holds the
 * supervisor's pid, its URL and the processes it started. A second start finds a live holder and
 * leaves. A holder that died without cleaning up (kill -9, power loss) leaves a stale lock: the
 * next start takes it over and stops whatever that run left behind, so nothing shares the data.
 */
export const LOCK_FILE = "gatehouse.pid";
const TAKEOVER_FILE = "gatehouse.pid.takeover";

export type LockChild = {
  name: string;
  pid: number;
  /** a command-line argument the process has, so a recycled pid is never mistaken for it */
  match: string;
  /** the pid leads its own process group (children we spawned detached) */
  isGroup: boolean;
  /** how to ask it to stop (PostgreSQL: SIGINT, a fast shutdown that does not wait for clients) */
  stopSignal: NodeJS.Signals;
};

export type LockInfo = { pid: number; url: string; startedAt: string; children: LockChild[] };

export type Lock = {
  /** remember the processes started so far, for the takeover after a crash */
  recordChildren(children: LockChild[]): void;
  release(): void;
};

export type LockResult = { lock: Lock; staleHolder?: LockInfo } | { heldBy: LockInfo };

// The supervisor's entry point, as it appears on its command line.
const SUPERVISOR_SCRIPT = path.join("runtime", "start.ts");

function readLock(file: string): LockInfo | "unreadable" | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockInfo>;
    if (typeof parsed.pid !== "number") return "unreadable";
    return {
      pid: parsed.pid,
      url: typeof parsed.url === "string" ? parsed.url : "(unknown URL)",
      startedAt: typeof parsed.startedAt === "string" ? parsed.startedAt : "",
      children: Array.isArray(parsed.children) ? parsed.children : [],
    };
  } catch {
    return "unreadable";
  }
}

function isHolderRunning(holder: LockInfo): boolean {
  if (holder.pid === process.pid || !isProcessAlive(holder.pid)) return false;
  const args = commandLine(holder.pid);
  // Alive but unreadable: assume it is a running Gatehouse rather than risk two on one folder.
  return args === undefined || args.some((arg) => arg.endsWith(SUPERVISOR_SCRIPT));
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Replace a stale lock, unless another start is doing the same right now. */
function takeOver(dataDir: string, stale: LockInfo | "unreadable", content: string): boolean {
  const file = path.join(dataDir, LOCK_FILE);
  const guard = path.join(dataDir, TAKEOVER_FILE);
  if (ageMs(guard) > 30_000) rmSync(guard, { force: true });
  try {
    writeFileSync(guard, String(process.pid), { flag: "wx" });
  } catch {
    return false;
  }
  try {
    const current = readLock(file);
    const isSame =
      current === stale ||
      (typeof current === "object" &&
        typeof stale === "object" &&
        current.pid === stale.pid &&
        current.startedAt === stale.startedAt);
    if (!isSame) return false;
    rmSync(file, { force: true });
    writeFileSync(file, content, { flag: "wx" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(guard, { force: true });
  }
}

export async function acquireLock(dataDir: string, url: string): Promise<LockResult> {
  const file = path.join(dataDir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, url, startedAt: new Date().toISOString(), children: [] };
  const content = `${JSON.stringify(info)}\n`;
  const lock: Lock = {
    recordChildren(children) {
      info.children = children;
      writePrivateFile(file, `${JSON.stringify(info)}\n`);
    },
    release() {
      const current = readLock(file);
      if (typeof current === "object" && current.pid === process.pid) rmSync(file, { force: true });
    },
  };

  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      writeFileSync(file, content, { flag: "wx", mode: 0o600 });
      return { lock };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readLock(file);
    if (holder === undefined) continue; // removed between our two calls: try again
    // Created with O_EXCL but not yet written by its owner: give it a moment.
    if (holder === "unreadable" && ageMs(file) < 5_000) {
      await delay(250);
      continue;
    }
    if (typeof holder === "object" && isHolderRunning(holder)) return { heldBy: holder };
    if (takeOver(dataDir, holder, content))
      return typeof holder === "object" ? { lock, staleHolder: holder } : { lock };
    await delay(250);
  }
  throw new StartupError(`Could not take the lock ${file}: another start keeps changing it.`);
}

/** Stop what a crashed run left running (only processes whose command line still matches). */
export async function stopLeftovers(stale: LockInfo): Promise<string[]> {
  const stopped: string[] = [];
  await Promise.all(
    stale.children.map(async (child) => {
      if (!isProcessAlive(child.pid)) return;
      if (!commandLine(child.pid)?.some((arg) => arg.includes(child.match))) return;
      await terminate(child.pid, { signal: child.stopSignal, timeoutMs: 15_000, group: child.isGroup });
      stopped.push(`${child.name} (pid ${child.pid})`);
    }),
  );
  return stopped;
}
