import type { Db, Prisma } from "../db";
import { AppError } from "../errors";
import { logger } from "../logger";
import { metrics } from "../ops/metrics";

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
 */
export type AuditRow = Prisma.AuditEventCreateManyInput;

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
      db: () => Db;
      maxBatch?: number;
      /** a batch that takes longer fails (its calls fail closed) */
      timeoutMs?: number;
      /** after a failure, new calls are refused this long without trying the store */
      coolDownMs?: number;
    },
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
      const batch = this.queue.splice(0, this.options.maxBatch ?? 500);
      try {
        await this.insert(batch.map((pending) => pending.row));
        metrics().mcpAuditBatchRows.observe(batch.length);
        this.failedAt = 0;
        for (const pending of batch) pending.resolve();
      } catch (cause) {
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
    }
    this.isFlushing = false;
  }

  private async insert(rows: AuditRow[]): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.db().auditEvent.createMany({ data: rows }),
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
