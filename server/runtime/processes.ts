import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

/**
 * Small, synchronous facts about other processes: used to tell a live lock holder from a stale
 * pid file, and to find processes an earlier, crashed run left behind.
 */

function processState(pid: number): string | undefined {
  try {
    // "<pid> (<comm>) <state> ...": comm may contain spaces and parentheses, so split at the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

/** True when the process exists and is not a zombie. EPERM means it exists but belongs to someone else. */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return processState(pid) !== "Z";
}

/** True while any process of the group is alive (zombies count: the caller only waits a bounded time). */
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Signal a whole process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nothing left to signal.
  }
}

export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

/** The argument vector of a process, or undefined when it is gone or cannot be read. */
export function commandLine(pid: number): string[] | undefined {
  if (process.platform === "linux") {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      return args.length > 0 ? args : undefined;
    } catch {
      return undefined;
    }
  }
  try {
    const line = execFileSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8" }).trim();
    return line ? line.split(/\s+/) : undefined;
  } catch {
    return undefined;
  }
}

/** Poll until `condition` holds; false when the time ran out. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await delay(intervalMs);
  }
  return condition();
}

/**
 * Stop a process that is not our child (a leftover of a crashed run): `signal` first, SIGKILL when it
 * has not exited within `timeoutMs`. With `group`, the whole process group is signalled.
 */
export async function terminate(
  pid: number,
  options: { signal: NodeJS.Signals; timeoutMs: number; group?: boolean },
): Promise<void> {
  const send = (signal: NodeJS.Signals) =>
    options.group ? signalGroup(pid, signal) : signalProcess(pid, signal);
  const isGone = () => (options.group ? !isGroupAlive(pid) : !isProcessAlive(pid));
  send(options.signal);
  if (await waitUntil(isGone, options.timeoutMs)) return;
  send("SIGKILL");
  await waitUntil(isGone, 5_000);
}
