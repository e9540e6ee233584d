import { Pool } from "pg";
import type { Prisma } from "../db";
import { env } from "../env";
import { AppError } from "../errors";
import { logger } from "../logger";
import { metrics } from "../ops/metrics";
import type { AuditOutcome } from "./audit";

/**
 * Durable audit of MCP exchanges with group commit. `write()` resolves only once the row is
 * committed, and the proxy awaits it before the agent gets the answer (issue 5: an exchange's event
 * is committed before its final response reaches the agent). Rows that arrive while an INSERT is in
 * flight wait for it and then go together in the next multi-row INSERT, so under concurrency one
 * commit serves many calls and an idle system adds no delay at all.
 *
 * Failing closed: a failed or slow INSERT rejects every row of its batch, and for a short cool-down
 * afterwards `assertAvailable()` refuses new calls before they reach the upstream, instead of letting
 * an upstream run a tool whose record cannot be kept.
 *
 * A batch is ONE parameterized multi-row INSERT sent through a plain `pg` pool, not Prisma: this is
 * the hottest write of the proxy (one row per exchange), and Prisma's query compiler and result
 * mapping cost more CPU than the INSERT itself. The SQL below must match prisma/schema.prisma's
 * AuditEvent (column names, types, enum); tests/integration/mcp-proxy-audit.test.ts reads the rows
 * back through Prisma to keep the two in step.
 */
export type AuditRow = {
  /** UUIDv7 made by the caller (the bodies are sealed to it) */
  id: string;
  occurredAt: Date;
  action: string;
  outcome: AuditOutcome;
  actorUserId?: string | null;
  actorTokenId?: string | null;
  actorClient?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  serverId?: string | null;
  connectionId?: string | null;
  sessionId?: string | null;
  method?: string | null;
  subject?: string | null;
  reason?: string | null;
  latencyMs?: number | null;
  requestBytes?: number | null;
  responseBytes?: number | null;
  clientIp?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  metadata?: Prisma.InputJsonValue | null;
  /** both bodies of an MCP exchange, sealed together (audit.ts) */
  bodies?: Uint8Array | null;
  keyId?: string | null;
};

/** Runs one statement (a pg pool's `query`, or a wrapper around it in tests). */
export type AuditQuery = (text: string, values: unknown[]) => Promise<unknown>;

/**
 * The columns of "AuditEvent" in the order of the VALUES tuples, each with the cast PostgreSQL
 * needs for the text the pg driver sends. Timestamps go as ISO strings ending in "Z" cast to
 * timestamp(3): the zone is dropped, leaving the UTC wall-clock time, which is what Prisma stores
 * in a `timestamp without time zone` column whatever the session's TimeZone.
 */
const COLUMNS: ReadonlyArray<readonly [keyof AuditRow, string]> = [
  ["id", "::uuid"],
  ["occurredAt", "::timestamp(3)"],
  ["action", "::text"],
  ["outcome", '::"AuditOutcome"'],
  ["actorUserId", "::uuid"],
  ["actorTokenId", "::uuid"],
  ["actorClient", "::text"],
  ["targetType", "::text"],
  ["targetId", "::text"],
  ["serverId", "::uuid"],
  ["connectionId", "::uuid"],
  ["sessionId", "::text"],
  ["method", "::text"],
  ["subject", "::text"],
  ["reason", "::text"],
  ["latencyMs", "::integer"],
  ["requestBytes", "::integer"],
  ["responseBytes", "::integer"],
  ["clientIp", "::text"],
  ["userAgent", "::text"],
  ["requestId", "::text"],
  ["metadata", "::jsonb"],
  ["bodies", "::bytea"],
  ["keyId", "::text"],
];

export const AUDIT_COLUMN_COUNT = COLUMNS.length;

const COLUMN_LIST = COLUMNS.map(([name]) => `"${name}"`).join(", ");

/** PostgreSQL allows 65,535 parameters per statement. */
const MAX_BATCH = Math.floor(65_535 / COLUMNS.length);

const statements = new Map<number, string>();
/** Batch sizes up to this are kept as SQL text and as prepared statements. */
const MAX_PREPARED_ROWS = 64;

/** The INSERT text for `count` rows (kept for small batch sizes). */
export function auditInsertSql(count: number): string {
  let text = statements.get(count);
  if (text === undefined) {
    const tuples: string[] = [];
    for (let row = 0; row < count; row++) {
      const base = row * COLUMNS.length;
      tuples.push(`(${COLUMNS.map(([, cast], column) => `$${base + column + 1}${cast}`).join(", ")})`);
    }
    text = `INSERT INTO "AuditEvent" (${COLUMN_LIST}) VALUES ${tuples.join(", ")}`;
    // Small batches are the common case; the text of a big one (up to ~150 KB) is not kept.
    if (count <= MAX_PREPARED_ROWS) statements.set(count, text);
  }
  return text;
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000, and jsonb refuses a lone UTF-16 surrogate (JSON
 * escapes such as "\ud800"). One such value would fail the whole batch (and so every call in it).
 * Agents and upstreams choose some of these strings (a JSON-RPC id, a tool name, clientInfo), so
 * U+0000 and lone surrogates are stored as U+FFFD instead.
 */
function textOf(value: string): string {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return wellFormed.includes("\u0000") ? wellFormed.replaceAll("\u0000", "\uFFFD") : wellFormed;
}

function storable(value: unknown): unknown {
  if (typeof value === "string") return textOf(value);
  if (Array.isArray(value)) return value.map(storable);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [textOf(key), storable(item)]));
  return value;
}

/** JSON.stringify writes U+0000 and lone surrogates as escapes; only then is the slow path needed. */
const UNSTORABLE_JSON_ESCAPE = /\\u(?:0000|d[89a-f])/;

function jsonOf(value: unknown): string {
  const json = JSON.stringify(value);
  return UNSTORABLE_JSON_ESCAPE.test(json) ? JSON.stringify(storable(value)) : json;
}

function parameterOf(row: AuditRow, column: keyof AuditRow): unknown {
  const value = row[column];
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return textOf(value);
  switch (column) {
    case "occurredAt":
      return (value as Date).toISOString();
    case "metadata":
      return jsonOf(value);
    case "bodies": {
      const bytes = value as Uint8Array;
      return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    default:
      return value;
  }
}

/** The parameters of `auditInsertSql(rows.length)`, row after row. */
export function auditInsertValues(rows: AuditRow[]): unknown[] {
  const values: unknown[] = new Array(rows.length * COLUMNS.length);
  let index = 0;
  for (const row of rows) for (const [column] of COLUMNS) values[index++] = parameterOf(row, column);
  return values;
}

/** A small pg pool of its own for the audit INSERTs (one batch is in flight at a time per writer). */
export function createAuditPool(databaseUrl: string, options?: { max?: number }): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    max: options?.max ?? 4,
    // Fail fast when PostgreSQL is unreachable: the batch fails and the calls fail closed.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Idle audit connections never keep a process from exiting.
    allowExitOnIdle: true,
  });
  // An idle client losing its connection must not crash the process; the next batch reconnects.
  pool.on("error", (error) =>
    logger()
      .child({ component: "mcp-audit" })
      .warn({ err: { message: error.message } }, "idle audit connection failed"),
  );
  return pool;
}

const POOL_KEY = Symbol.for("gatehouse.mcp-audit-pool");
type GlobalWithPool = typeof globalThis & { [POOL_KEY]?: Pool };

/** The process-wide audit pool, on the installation's DATABASE_URL (the one Prisma uses). */
export function auditPool(): Pool {
  const holder = globalThis as GlobalWithPool;
  holder[POOL_KEY] ??= createAuditPool(env().DATABASE_URL);
  return holder[POOL_KEY];
}

export async function closeAuditPool(): Promise<void> {
  const holder = globalThis as GlobalWithPool;
  const pool = holder[POOL_KEY];
  holder[POOL_KEY] = undefined;
  await pool?.end();
}

/**
 * The default AuditQuery. The INSERT of a common batch size is a named (prepared) statement, so
 * PostgreSQL parses and plans it once per connection, not once per batch.
 */
function poolQuery(text: string, values: unknown[]): Promise<unknown> {
  const rows = values.length / COLUMNS.length;
  if (rows > MAX_PREPARED_ROWS || !Number.isInteger(rows)) return auditPool().query(text, values);
  return auditPool().query({ name: `gatehouse-audit-insert-${rows}`, text, values });
}

/**
 * An error PostgreSQL raised for the values of a row (SQLSTATE class 22, data exception, or 23,
 * integrity constraint violation), as opposed to the store being unreachable, slow or failing.
 */
function isRowError(cause: unknown): boolean {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}

export type AuditSink = {
  write: (row: AuditRow) => Promise<void>;
  /** throws UNAVAILABLE while the store is known to be failing */
  assertAvailable: () => void;
};

type Pending = { row: AuditRow; resolve: () => void; reject: (error: unknown) => void };

export const AUDIT_UNAVAILABLE_MESSAGE =
  "The audit log cannot be written right now, so Gatehouse refuses MCP calls until it can (fail closed). Try again shortly.";

export class AuditWriter implements AuditSink {
  private queue: Pending[] = [];
  private isFlushing = false;
  private failedAt = 0;

  constructor(
    private readonly options: {
      /** runs the INSERT; the process-wide audit pool by default */
      query?: AuditQuery;
      maxBatch?: number;
      /** a batch that takes longer fails (its calls fail closed) */
      timeoutMs?: number;
      /** after a failure, new calls are refused this long without trying the store */
      coolDownMs?: number;
    } = {},
  ) {}

  assertAvailable(): void {
    if (this.failedAt !== 0 && Date.now() - this.failedAt < (this.options.coolDownMs ?? 2_000))
      throw new AppError("UNAVAILABLE", AUDIT_UNAVAILABLE_MESSAGE);
  }

  write(row: AuditRow): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (!this.isFlushing) {
        this.isFlushing = true;
        // Let the other rows of this turn of the event loop join the first batch.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, Math.min(this.options.maxBatch ?? 500, MAX_BATCH));
      try {
        await this.insert(batch.map((pending) => pending.row));
        metrics().mcpAuditBatchRows.observe(batch.length);
        this.failedAt = 0;
        for (const pending of batch) pending.resolve();
      } catch (cause) {
        if (isRowError(cause)) await this.insertOneByOne(batch, cause);
        else this.fail(batch, cause);
      }
    }
    this.isFlushing = false;
  }

  /**
   * PostgreSQL refused a value of some row, not the store as a whole: each row is retried on its
   * own, so one bad row fails only its own call and starts no cool-down for everyone else.
   */
  private async insertOneByOne(batch: Pending[], batchError: unknown): Promise<void> {
    if (batch.length === 1) return this.refuseRow(batch[0] as Pending, batchError);
    for (const pending of batch) {
      try {
        await this.insert([pending.row]);
        metrics().mcpAuditBatchRows.observe(1);
        pending.resolve();
      } catch (cause) {
        if (isRowError(cause)) this.refuseRow(pending, cause);
        else this.fail([pending], cause);
      }
    }
  }

  private refuseRow(pending: Pending, cause: unknown): void {
    logger()
      .child({ component: "mcp-audit" })
      .error(
        { err: { message: (cause as Error)?.message }, eventId: pending.row.id, action: pending.row.action },
        "audit row refused by the database; its call fails closed",
      );
    pending.reject(new AppError("UNAVAILABLE", AUDIT_UNAVAILABLE_MESSAGE, { cause }));
  }

  private fail(batch: Pending[], cause: unknown): void {
    this.failedAt = Date.now();
    logger()
      .child({ component: "mcp-audit" })
      .error(
        { err: { message: (cause as Error)?.message }, rows: batch.length },
        "audit batch failed; calls fail closed",
      );
    const error = new AppError("UNAVAILABLE", AUDIT_UNAVAILABLE_MESSAGE, { cause });
    for (const pending of batch) pending.reject(error);
  }

  private async insert(rows: AuditRow[]): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 5_000;
    const query: AuditQuery = this.options.query ?? poolQuery;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        query(auditInsertSql(rows.length), auditInsertValues(rows)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`audit insert took longer than ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
