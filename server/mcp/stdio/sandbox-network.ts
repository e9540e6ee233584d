import { recordAudit } from "../../audit/record";
import { BoundedMap } from "../../bounded-map";
import type { Db } from "../../db";
import { getOutboundPolicy, policyForStdioVersion } from "../../services/settings/outbound-policy";
import { RefusalAuditThrottle } from "../../services/tokens/refusal-audit-throttle";
import { LineBudget, type SandboxNetwork } from "./sandbox";

/** What one stdio process's refused connections are audited under. */
export type EgressAuditSubject = {
  actorUserId?: string;
  serverId: string;
  connectionId?: string;
  targetType: "connection" | "server_version";
  targetId: string;
};

/**
 * A process that retries a refused host in a loop would add a row per attempt: the first refusal
 * of each (subject, target) is written, then at most one a minute, with the count of those not
 * written. The targets are the process's to choose, so a subject also gets at most
 * ROWS_PER_SUBJECT_MINUTE rows a minute over all of them; the rest are counted into its next row.
 */
const refusalAudits = new RefusalAuditThrottle();
const ROWS_PER_SUBJECT_MINUTE = 20;
const subjectBudgets = new BoundedMap<LineBudget>(10_000);

/** Whether this subject may write another row this minute; null if not, else the rows it skipped. */
function admitForSubject(subjectId: string, now: number): number | null {
  let budget = subjectBudgets.get(subjectId);
  if (budget === undefined) {
    budget = new LineBudget(ROWS_PER_SUBJECT_MINUTE);
    subjectBudgets.set(subjectId, budget);
  }
  return budget.take(now);
}

/**
 * The network of a stdio process of one server version (sandbox.ts): its connections judged by
 * the installation's outbound policy, the admin's internal hosts only for versions an admin
 * reviewed (policyForStdioVersion), and every refused connection audited as
 * `mcp.stdio.egress.denied` (throttled as above).
 */
export function sandboxNetworkFor(options: {
  db: () => Db;
  version: { reviewedAt: Date | null };
  subject: EgressAuditSubject;
  onAuditFailure: (error: unknown) => void;
}): SandboxNetwork {
  const { subject } = options;
  return {
    policy: async () => policyForStdioVersion(await getOutboundPolicy(options.db()), options.version),
    onRefused: (refusal) => {
      const key = { tokenId: subject.targetId, reason: refusal.target };
      const now = Date.now();
      void refusalAudits
        .record(key, now, async (skippedOfTarget) => {
          const skippedOfSubject = admitForSubject(subject.targetId, now);
          if (skippedOfSubject === null) return;
          const skipped = skippedOfTarget + skippedOfSubject;
          await recordAudit(
            options.db(),
            { actorUserId: subject.actorUserId ?? null },
            {
              action: "mcp.stdio.egress.denied",
              outcome: "DENIED",
              targetType: subject.targetType,
              targetId: subject.targetId,
              serverId: subject.serverId,
              ...(subject.connectionId && { connectionId: subject.connectionId }),
              reason: refusal.reason,
              metadata: { target: refusal.target, ...(skipped > 0 && { notRecordedSince: skipped }) },
            },
          );
        })
        .catch(options.onAuditFailure);
    },
  };
}
