import { type AuditContext, type AuditInput, recordAudit } from "../../audit/record";
import type { Db, Tx } from "../../db";
import { AppError } from "../../errors";
import { bumpGlobalAccessEpoch } from "../access/access-epochs";

/**
 * A change refused by a rule about who may do it to whom (an Admin granting Owner, deactivating
 * the last Owner), as opposed to a missing permission, which the procedure already audits.
 * Thrown inside the change's transaction, so nothing of the change survives.
 */
export class RefusedChange extends AppError {
  readonly audit: Omit<AuditInput, "outcome" | "reason">;

  constructor(
    code: "FORBIDDEN" | "CONFLICT",
    message: string,
    audit: Omit<AuditInput, "outcome" | "reason">,
  ) {
    super(code, message);
    this.audit = audit;
  }
}

/**
 * Runs a change and its audit event in one transaction. A refusal is audited as DENIED after the
 * transaction rolled back: the attempt is on record even though nothing changed.
 */
export async function runAuditedChange<T>(options: {
  db: Db;
  context: AuditContext;
  change: (tx: Tx) => Promise<T>;
}): Promise<T> {
  try {
    const committed = await options.db.$transaction((tx) => options.change(tx));
    // After the commit (users' status and role, teams and memberships): cached MCP policy
    // decisions are recomputed on their next request.
    await bumpGlobalAccessEpoch();
    return committed;
  } catch (error) {
    if (error instanceof RefusedChange) {
      await recordAudit(options.db, options.context, {
        ...error.audit,
        outcome: "DENIED",
        reason: error.message,
      });
    }
    throw error;
  }
}
