import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Files only the owner may read or write (secrets, passwords, URLs with passwords). */
export const PRIVATE_MODE = 0o600;

function temporaryPath(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}`,
  );
}

/**
 * Write `content` so readers see the old file or the new one, never half of it, and the file
 * is never readable by others, not even for a moment (created 0600, then renamed into place).
 */
export function writePrivateFile(file: string, content: string): void {
  const temporary = temporaryPath(file);
  try {
    writeFileSync(temporary, content, { mode: PRIVATE_MODE, flag: "wx" });
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Tighten a private file someone (or an older version) left readable by others. */
export function ensurePrivateMode(file: string): void {
  if (existsSync(file) && (statSync(file).mode & 0o777) !== PRIVATE_MODE) chmodSync(file, PRIVATE_MODE);
}

export function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, "utf8"));
}
