import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Computes migration SQL offline with the Prisma 6 CLI (`prisma-v6`, JS engine + driver adapter),
 * because Prisma 7's schema engine cannot be downloaded on these machines.
 *
 *   npm run db:diff -- <migration_name> [--from <old schema file>]
 *
 * writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that turns the previous
 * schema (default: prisma/schema.prisma at git HEAD) into the current one. The schema-drift test
 * proves the migrations and schema.prisma agree, so a wrong diff cannot slip through.
 */
const root = path.resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);

/** Prisma 7 schemas have no datasource URL and use the new generator; Prisma 6 wants both the old way. */
export function toPrisma6Schema(schema: string): string {
  return schema
    .replace(/provider\s*=\s*"postgresql"/, 'provider = "postgresql"\n  url = env("DATABASE_URL")')
    .replace(/provider\s*=\s*"prisma-client"/, 'provider = "prisma-client-js"')
    .replace(/^\s*(output|moduleFormat)\s*=.*$/gm, "");
}

/** SQL that turns `from` (null = empty database) into `to`. Needs a reachable PostgreSQL URL. */
export function diffSchemas(options: { from: string | null; to: string; databaseUrl: string }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "gatehouse-diff-"));
  try {
    const toFile = path.join(dir, "to.prisma");
    writeFileSync(toFile, toPrisma6Schema(options.to));
    const fromArgs =
      options.from === null ? ["--from-empty"] : ["--from-schema-datamodel", path.join(dir, "from.prisma")];
    if (options.from !== null) writeFileSync(path.join(dir, "from.prisma"), toPrisma6Schema(options.from));
    const result = spawnSync(
      process.execPath,
      [
        require.resolve("prisma-v6/build/index.js"),
        "migrate",
        "diff",
        "--config",
        path.join(root, "prisma/tools/prisma-v6.config.ts"),
        ...fromArgs,
        "--to-schema-datamodel",
        toFile,
        "--script",
      ],
      {
        encoding: "utf8",
        env: {
          ...process.env,
          DATABASE_URL: options.databaseUrl,
          // The JS engine never runs these binaries, but the CLI insists they exist.
          PRISMA_QUERY_ENGINE_LIBRARY: process.execPath,
          PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
          PRISMA_HIDE_UPDATE_MESSAGE: "1",
        },
      },
    );
    if (result.status !== 0) throw new Error(`prisma migrate diff failed:\n${result.stderr}`);
    return result.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const args = process.argv.slice(2);
  const name = args.find((arg) => !arg.startsWith("--"));
  const fromIndex = args.indexOf("--from");
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error("usage: npm run db:diff -- <migration_name in snake_case> [--from <old schema.prisma>]");
    process.exit(1);
  }
  const from =
    fromIndex >= 0
      ? readFileSync(args[fromIndex + 1] ?? "", "utf8")
      : execFileSync("git", ["show", "HEAD:prisma/schema.prisma"], { cwd: root, encoding: "utf8" });
  const to = readFileSync(path.join(root, "prisma/schema.prisma"), "utf8");
  const databaseUrl = process.env.DIFF_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const sql = diffSchemas({ from, to, databaseUrl });
  if (!sql.trim() || /^-- This is an empty migration/m.test(sql)) {
    console.log("schema.prisma has no changes to migrate");
    return;
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = path.join(root, "prisma/migrations", `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "migration.sql"), sql);
  console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) main();
