import pg from "pg";
import type { E2eState } from "./state";

/**
 * Direct access to the e2e database (the one tests/e2e/serve.ts created) for arranging and checking
 * what the browser cannot see. Timestamp columns are `timestamp(3)` holding UTC, the way Prisma
 * writes them, so SQL here computes times with `utcNow()` rather than passing JS Dates.
 */
export type E2eDb = {
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** The first row's `value` column, or undefined when there is no row. */
  value<T>(sql: string, params?: unknown[]): Promise<T | undefined>;
  end(): Promise<void>;
};

/** SQL for "now" in the UTC wall-clock time Prisma stores in `timestamp` columns. */
export const UTC_NOW = "(now() AT TIME ZONE 'utc')";

export function openDb(state: E2eState): E2eDb {
  const pool = new pg.Pool({ connectionString: state.databaseUrl, max: 2 });
  return {
    async query<Row extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
      const result = await pool.query<Row>(sql, params);
      return result.rows;
    },
    async value<T>(sql: string, params: unknown[] = []) {
      const result = await pool.query<{ value: T }>(sql, params);
      return result.rows[0]?.value;
    },
    end: () => pool.end(),
  };
}
