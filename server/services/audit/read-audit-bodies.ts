import { type AuditContext, recordAudit } from "../../audit/record";
import type { Keyring } from "../../crypto/envelope";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import { bodiesTruncatedToBytes, openAuditBodies } from "../../mcp/audit";
import { type Actor, assertCan } from "../../policy/permissions";

export type AuditBodies = {
  request: string | null;
  response: string | null;
  /** each body was kept up to this many bytes (GATEHOUSE_AUDIT_BODY_MAX_BYTES); null: kept whole */
  truncatedToBytes: number | null;
  requestBytes: number | null;
  responseBytes: number | null;
};

/**
 * Opens the sealed request and response bodies of one audit event, for an Auditor only (DESIGN
 * "Roles": bodies are the Auditor's; everyone else sees metadata). Reading them is an event of its
 * own (`audit.bodies.read`, committed before the bodies are returned), so the trail shows who read
 * which exchange. An event without bodies, or an unknown id, is NOT_FOUND.
 */
export async function readAuditBodies(options: {
  db: Db;
  keyring: Keyring;
  actor: Actor & { id: string };
  eventId: string;
  context: AuditContext;
}): Promise<AuditBodies> {
  assertCan(options.actor, "audit.read_bodies");
  const row = await options.db.auditEvent.findUnique({
    where: { id: options.eventId },
    select: {
      id: true,
      bodies: true,
      requestBody: true,
      responseBody: true,
      requestBytes: true,
      responseBytes: true,
      metadata: true,
    },
  });
  if (!row || (row.bodies === null && row.requestBody === null && row.responseBody === null))
    throw new AppError("NOT_FOUND", "This event has no stored bodies.");
  let opened: ReturnType<typeof openAuditBodies>;
  try {
    opened = openAuditBodies(options.keyring, row);
  } catch (cause) {
    // Sealed under a key this installation no longer holds (see GATEHOUSE_ENCRYPTION_KEYS_PREVIOUS).
    throw new AppError(
      "UNAVAILABLE",
      "These bodies were sealed with an encryption key this installation no longer has. Add the old key to GATEHOUSE_ENCRYPTION_KEYS_PREVIOUS to read them.",
      { cause },
    );
  }
  await recordAudit(options.db, options.context, {
    action: "audit.bodies.read",
    targetType: "audit_event",
    targetId: row.id,
  });
  return {
    request: opened.request,
    response: opened.response,
    truncatedToBytes: bodiesTruncatedToBytes(row.metadata),
    requestBytes: row.requestBytes,
    responseBytes: row.responseBytes,
  };
}
