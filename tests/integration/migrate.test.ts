import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR, migrate, migrationStatus, readMigrationFiles } from "@/server/db/migrate";
import { createDatabase, dropDatabase } from "./helpers/test-database";

async function rows(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (
      await client.query(
        `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count, logs
         FROM "_prisma_migrations" ORDER BY started_at`,
      )
    ).rows;
  } finally {
    await client.end();
  }
}

describe("gatehouse migrate", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function freshDatabase() {
    const database = await createDatabase("gatehouse_migrate");
    cleanups.push(() => dropDatabase(database.name));
    return database.url;
  }

  function copyOfMigrations(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "gh-migrations-"));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  it("records each migration the way prisma migrate deploy does, once", async () => {
    const url = await freshDatabase();
    const files = readMigrationFiles();
    expect(await migrate(url)).toEqual(files.map((file) => file.name));
    expect(await migrate(url)).toEqual([]);
    const recorded = await rows(url);
    expect(recorded).toHaveLength(files.length);
    for (const [i, file] of files.entries()) {
      expect(recorded[i]).toMatchObject({
        migration_name: file.name,
        checksum: createHash("sha256").update(file.sql).digest("hex"),
        rolled_back_at: null,
        applied_steps_count: 1,
      });
      expect(recorded[i]?.finished_at).toBeInstanceOf(Date);
    }
    expect(await migrationStatus(url)).toEqual({
      applied: files.map((file) => file.name),
      pending: [],
      modified: [],
      failed: [],
    });
  });

  it("applies once when several instances migrate at the same time", async () => {
    const url = await freshDatabase();
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    expect(results.flat()).toHaveLength(readMigrationFiles().length);
    expect(await rows(url)).toHaveLength(readMigrationFiles().length);
  });

  it("refuses to continue when an applied migration was edited", async () => {
    const url = await freshDatabase();
    const dir = copyOfMigrations();
    await migrate(url, { dir });
    const [first] = readMigrationFiles(dir);
    writeFileSync(path.join(dir, first?.name ?? "", "migration.sql"), `${first?.sql}\n-- edited`);
    await expect(migrate(url, { dir })).rejects.toThrow(/was changed after it was applied/);
    expect((await migrationStatus(url, dir)).modified).toEqual([first?.name]);
  });

  it("rolls a failing migration back completely, records why, and retries it once fixed", async () => {
    const url = await freshDatabase();
    const dir = copyOfMigrations();
    await migrate(url, { dir });
    const broken = path.join(dir, "29990101000000_broken");
    mkdirSync(broken);
    writeFileSync(
      path.join(broken, "migration.sql"),
      `CREATE TABLE "Half" (id int);\nALTER TABLE "DoesNotExist" ADD COLUMN x int;`,
    );
    await expect(migrate(url, { dir })).rejects.toThrow(/29990101000000_broken failed: .*DoesNotExist/);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const half = await client.query(`SELECT to_regclass('"Half"') AS t`);
    await client.end();
    expect(half.rows[0]?.t).toBeNull();
    const attempt = (await rows(url)).find((row) => row.migration_name === "29990101000000_broken");
    expect(attempt?.rolled_back_at).toBeInstanceOf(Date);
    expect(attempt?.logs).toContain("DoesNotExist");

    writeFileSync(path.join(broken, "migration.sql"), `CREATE TABLE "Half" (id int);`);
    expect(await migrate(url, { dir })).toEqual(["29990101000000_broken"]);
    expect((await migrationStatus(url, dir)).pending).toEqual([]);
  });
});
