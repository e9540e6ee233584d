import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import pg from "pg";

/**
 * Applies prisma/migrations/<name>/migration.sql in order and records each in `_prisma_migrations`
 * with the same columns, checksum (SHA-256 of the file) and semantics as `prisma migrate deploy`,
 * so an installation can switch to Prisma's own tool wherever its engine is available.
 *
 * Safe to run from several processes at once: a PostgreSQL advisory lock serializes them, the
 * same way Prisma does. Each migration runs in its own transaction.
 */

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../prisma/migrations");

// Prisma's own advisory lock key, so this tool and `prisma migrate deploy` never run concurrently.
const PRISMA_MIGRATE_LOCK_ID = 72707369;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export type MigrationFile = { name: string; sql: string; checksum: string };

export type MigrationStatus = {
  applied: string[];
  pending: string[];
  /** applied migrations whose file changed since (Prisma refuses to continue in that case) */
  modified: string[];
  /** started but never finished: a previous run failed half-way */
  failed: string[];
};

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

export function readMigrationFiles(dir: string = MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir)
    .filter((entry) => statSync(path.join(dir, entry)).isDirectory())
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

type AppliedRow = {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
};

async function appliedRows(client: pg.ClientBase): Promise<AppliedRow[]> {
  const exists = await client.query<{ exists: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS "exists"`,
  );
  if (!exists.rows[0]?.exists) return [];
  const result = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
  );
  return result.rows;
}

function compare(files: MigrationFile[], rows: AppliedRow[]): MigrationStatus {
  const live = rows.filter((row) => row.rolled_back_at === null);
  const finished = new Map(live.filter((row) => row.finished_at).map((row) => [row.migration_name, row]));
  return {
    applied: files.filter((file) => finished.has(file.name)).map((file) => file.name),
    pending: files
      .filter((file) => !live.some((row) => row.migration_name === file.name))
      .map((file) => file.name),
    modified: files
      .filter((file) => {
        const row = finished.get(file.name);
        return row !== undefined && row.checksum !== file.checksum;
      })
      .map((file) => file.name),
    failed: live.filter((row) => row.finished_at === null).map((row) => row.migration_name),
  };
}

export async function migrationStatus(databaseUrl: string, dir?: string): Promise<MigrationStatus> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return compare(readMigrationFiles(dir), await appliedRows(client));
  } finally {
    await client.end();
  }
}

/** Apply pending migrations. Returns the names applied in this run. */
export async function migrate(databaseUrl: string, options: { dir?: string } = {}): Promise<string[]> {
  const files = readMigrationFiles(options.dir);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_ID]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const status = compare(files, await appliedRows(client));
    if (status.failed.length > 0) {
      throw new MigrationError(
        `migration ${status.failed.join(", ")} failed earlier and left the database half-migrated; ` +
          "fix the database by hand, then mark it rolled back (UPDATE _prisma_migrations SET rolled_back_at = now() ...)",
      );
    }
    if (status.modified.length > 0) {
      throw new MigrationError(
        `migration ${status.modified.join(", ")} was changed after it was applied; ` +
          "add a new migration instead of editing an applied one",
      );
    }
    const applied: string[] = [];
    for (const file of files.filter((candidate) => status.pending.includes(candidate.name))) {
      const id = randomUUID();
      await client.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), 0)`,
        [id, file.checksum, file.name],
      );
      try {
        await client.query("BEGIN");
        await client.query(file.sql);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        const message = error instanceof Error ? error.message : String(error);
        // PostgreSQL rolled the whole migration back, so nothing is half-applied: record the
        // attempt as rolled back and let the next run try again once the SQL is fixed.
        await client.query(
          `UPDATE "_prisma_migrations" SET logs = $2, rolled_back_at = now() WHERE id = $1`,
          [id, message],
        );
        throw new MigrationError(`migration ${file.name} failed: ${message}`);
      }
      await client.query(
        `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
        [id],
      );
      applied.push(file.name);
    }
    return applied;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK_ID]).catch(() => undefined);
    await client.end();
  }
}
