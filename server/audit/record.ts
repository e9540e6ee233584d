import type { Prisma } from "../db/generated/client";

/** The user agent of every change the Gatehouse CLI makes (it acts as no user): how the trail tells them apart. */
export const CLI_USER_AGENT = "gatehouse-cli";

/**
 * Writes one audit event. Takes the transaction client of the change it records, so the event and
 * the change commit together or not at all (STYLE: audit in the same transaction).
 */
export type AuditContext = {
  actorUserId?: string | null;
  /** the API token the actor used, when a token (not a browser session) made the request */
  actorTokenId?: string | null;
  clientIp?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
};

export type AuditInput = {
  action: string;
  outcome?: "OK" | "DENIED" | "UPSTREAM_ERROR" | "TIMEOUT" | "ERROR";
  targetType?: string;
  targetId?: string;
  /** the catalog server / connection the event concerns, for per-server and per-connection views */
  serverId?: string;
  connectionId?: string;
  reason?: string;
  /** before/after and other non-secret detail */
  metadata?: Prisma.InputJsonValue;
};

type AuditWriter = {
  auditEvent: { create: (args: { data: Prisma.AuditEventUncheckedCreateInput }) => Promise<unknown> };
};

export async function recordAudit(tx: AuditWriter, context: AuditContext, event: AuditInput): Promise<void> {
  await tx.auditEvent.create({
    data: {
      action: event.action,
      outcome: event.outcome ?? "OK",
      targetType: event.targetType,
      targetId: event.targetId,
      serverId: event.serverId,
      connectionId: event.connectionId,
      reason: event.reason,
      metadata: event.metadata,
      actorUserId: context.actorUserId ?? null,
      actorTokenId: context.actorTokenId ?? null,
      clientIp: context.clientIp ?? null,
      userAgent: context.userAgent?.slice(0, 500) ?? null,
      requestId: context.requestId ?? null,
    },
  });
}

/** Request facts for audit rows, from headers our HTTP front sets (never trusted from clients). */
export function auditContextFromHeaders(headers: Headers, actorUserId?: string | null): AuditContext {
  return {
    actorUserId: actorUserId ?? null,
    clientIp: headers.get("x-gatehouse-client-ip"),
    userAgent: headers.get("user-agent"),
    requestId: headers.get("x-request-id"),
  };
}
