import { Redis } from "ioredis";
import pg from "pg";
import { type MigrationStatus, migrationStatus } from "../db/migrate";
import type { Env } from "../env";

/**
 * What must hold before the app or worker serves anything. Used at start-up (fatal) and by
 * `gatehouse doctor` (reported). Each check returns a sentence a person can act on.
 */
export type PreflightResult = { name: string; ok: boolean; detail: string };

function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(unparseable URL)";
  }
}

export async function checkPostgres(
  config: Env,
): Promise<PreflightResult & { migrations?: MigrationStatus }> {
  const client = new pg.Client({ connectionString: config.DATABASE_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    const version = await client.query<{ server_version: string }>("SHOW server_version");
    await client.end();
    const migrations = await migrationStatus(config.DATABASE_URL);
    return {
      name: "PostgreSQL",
      ok: true,
      detail: `reachable at ${redactUrl(config.DATABASE_URL)} (version ${version.rows[0]?.server_version ?? "?"})`,
      migrations,
    };
  } catch (error) {
    await client.end().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    return {
      name: "PostgreSQL",
      ok: false,
      detail: `cannot connect to ${redactUrl(config.DATABASE_URL)}: ${message}`,
    };
  }
}

export async function checkRedisServer(config: Env): Promise<PreflightResult> {
  const client = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // connect() rejects with a bare "Connection is closed."; the socket error says why (refused, DNS…).
  let socketError: Error | undefined;
  client.on("error", (error: Error) => {
    socketError ??= error;
  });
  try {
    await client.connect();
    const info = await client.info("server");
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? "?";
    return {
      name: "Redis",
      ok: true,
      detail: `reachable at ${redactUrl(config.REDIS_URL)} (version ${version})`,
    };
  } catch (error) {
    const cause = socketError ?? error;
    const message = cause instanceof Error ? cause.message : String(cause);
    return {
      name: "Redis",
      ok: false,
      detail: `cannot connect to ${redactUrl(config.REDIS_URL)}: ${message}`,
    };
  } finally {
    client.disconnect();
  }
}

export function describeMigrations(status: MigrationStatus): PreflightResult {
  if (status.failed.length > 0 || status.modified.length > 0) {
    return {
      name: "Migrations",
      ok: false,
      detail: `broken: failed ${status.failed.join(", ") || "none"}; modified after applying ${status.modified.join(", ") || "none"}`,
    };
  }
  if (status.pending.length > 0) {
    return {
      name: "Migrations",
      ok: false,
      detail: `${status.pending.length} pending (${status.pending.join(", ")}): run \`gatehouse migrate\``,
    };
  }
  return { name: "Migrations", ok: true, detail: `${status.applied.length} applied, none pending` };
}

/** The start-up gate: database and Redis reachable, schema up to date. */
export async function preflight(config: Env): Promise<PreflightResult[]> {
  const [postgres, redis] = await Promise.all([checkPostgres(config), checkRedisServer(config)]);
  const results: PreflightResult[] = [postgres, redis];
  if (postgres.migrations) results.push(describeMigrations(postgres.migrations));
  return results;
}
