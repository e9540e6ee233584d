import { recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import type { ServerStatus } from "../../db/generated/client";
import { getOutboundPolicy, policyForVersion } from "../../services/settings/outbound-policy";
import { RefusalAuditThrottle } from "../../services/tokens/refusal-audit-throttle";
import type { SandboxNetwork } from "./sandbox";

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
 * of each (process's subject, target) is written, then at most one a minute, with the count of
 * those not written.
 */
const refusalAudits = new RefusalAuditThrottle();

/**
 * The network of a stdio process of one server version (sandbox.ts): its connections judged by
 * the same outbound policy as a remote upstream of that version would be (policyForVersion: the
 * admin's internal hosts only for versions an admin vouched for), read at each connection, and
 * every refused connection audited as `mcp.stdio.egress.denied`.
 */
export function sandboxNetworkFor(options: {
  db: () => Db;
  version: { reviewedAt: Date | null; status: ServerStatus };
  subject: EgressAuditSubject;
  onAuditFailure: (error: unknown) => void;
}): SandboxNetwork {
  const { subject } = options;
  return {
    policy: async () => policyForVersion(await getOutboundPolicy(options.db()), options.version),
    onRefused: (refusal) => {
      const key = { tokenId: subject.targetId, reason: refusal.target };
      void refusalAudits
        .record(key, Date.now(), (skipped) =>
          recordAudit(
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
          ),
        )
        .catch(options.onAuditFailure);
    },
  };
}
