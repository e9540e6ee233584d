import { randomBytes } from "node:crypto";
import { type Keyring, keyIdOf, open, seal } from "../crypto/envelope";
import type { Prisma } from "../db";
import type { AuditRow } from "./audit-writer";
import type { JsonObject } from "./jsonrpc";

/**
 * Audit rows of MCP exchanges (issue 5, "Audit of every exchange"): one per request/response pair
 * and one per notification, in either direction. A row's bodies are sealed together, in one
 * AES-256-GCM envelope under the installation keyring (one cipher operation per row, on every call);
 * the additional data binds the envelope to its event id, so bodies cannot be moved to another row.
 * Only the Auditor role may open them (the audit UI's job), with openAuditBodies.
 */

export type AuditOutcome = "OK" | "DENIED" | "UPSTREAM_ERROR" | "TIMEOUT" | "ERROR" | "CANCELLED";

/** Who and where: the same for every row of one HTTP request. */
export type AuditScope = {
  userId: string | null;
  tokenId: string | null;
  serverId: string | null;
  connectionId: string | null;
  sessionId: string | null;
  /** "name/version" of the agent from initialize */
  client: string | null;
  clientIp: string | null;
  userAgent: string | null;
  requestId: string;
};

export type ExchangeRecord = {
  action: "mcp.request" | "mcp.notification" | "mcp.session.close" | "mcp.auth.denied";
  outcome: AuditOutcome;
  reason?: string | null;
  method?: string | null;
  subject?: string | null;
  /** when the exchange started (the request arrived), for occurredAt and latency */
  startedAt: number;
  requestBody?: string | null;
  responseBody?: string | null;
  metadata?: Prisma.InputJsonValue;
};

/** The AAD of a row's sealed bodies (`bodies`), and of each legacy body column. */
function bodiesContext(eventId: string, column: "bodies" | "request-body" | "response-body"): string {
  return `audit-event:${eventId}:${column}`;
}

// The plaintext of `bodies`: a flags byte (1: a request body follows, 2: a response body follows),
// the request body's UTF-8 length (4 bytes, big-endian), the request body, then the response body.
const HAS_REQUEST = 1;
const HAS_RESPONSE = 2;
const BODIES_HEADER_BYTES = 5;

function sealBodies(
  keyring: Keyring,
  eventId: string,
  request: string | null,
  requestBytes: number | null,
  response: string | null,
  responseBytes: number | null,
): Buffer {
  const plain = Buffer.allocUnsafe(BODIES_HEADER_BYTES + (requestBytes ?? 0) + (responseBytes ?? 0));
  plain[0] = (request === null ? 0 : HAS_REQUEST) | (response === null ? 0 : HAS_RESPONSE);
  plain.writeUInt32BE(requestBytes ?? 0, 1);
  if (request !== null) plain.write(request, BODIES_HEADER_BYTES, "utf8");
  if (response !== null) plain.write(response, BODIES_HEADER_BYTES + (requestBytes ?? 0), "utf8");
  return seal(keyring, plain, bodiesContext(eventId, "bodies"));
}

export type AuditBodies = { request: string | null; response: string | null };

/**
 * The request and response bodies of an audit row, opened (for the Auditor role only): from
 * `bodies`, or from the two legacy columns of rows written before it. Throws when an envelope does
 * not open under the keyring or was moved from another row.
 */
export function openAuditBodies(
  keyring: Keyring,
  row: {
    id: string;
    bodies?: Uint8Array | null;
    requestBody?: Uint8Array | null;
    responseBody?: Uint8Array | null;
  },
): AuditBodies {
  if (row.bodies) {
    const plain = open(keyring, row.bodies, bodiesContext(row.id, "bodies"));
    const flags = plain[0] ?? 0;
    const requestBytes = plain.readUInt32BE(1);
    const responseStart = BODIES_HEADER_BYTES + requestBytes;
    return {
      request: flags & HAS_REQUEST ? plain.toString("utf8", BODIES_HEADER_BYTES, responseStart) : null,
      response: flags & HAS_RESPONSE ? plain.toString("utf8", responseStart) : null,
    };
  }
  const legacy = (envelope: Uint8Array | null | undefined, column: "request-body" | "response-body") =>
    envelope ? open(keyring, envelope, bodiesContext(row.id, column)).toString("utf8") : null;
  return {
    request: legacy(row.requestBody, "request-body"),
    response: legacy(row.responseBody, "response-body"),
  };
}

// Random bytes for ids are taken from a pooled block (as node's randomUUID does): one CSPRNG call
// per 256 ids instead of one per id, which showed up in the proxy's profile.
const RANDOM_POOL_BYTES = 2560;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;
const uuidBytes = Buffer.alloc(16);

/** A UUIDv7 (time-ordered, like the column's default), made here so the id can be sealed into the bodies. */
export function uuidv7(now: number = Date.now()): string {
  if (randomOffset + 10 > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  const bytes = uuidBytes;
  bytes.writeUIntBE(now, 0, 6);
  randomPool.copy(bytes, 6, randomOffset, randomOffset + 10);
  randomOffset += 10;
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const MAX_TEXT = 500;

function clip(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  return value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value;
}

/**
 * How much of each body a row keeps by default (GATEHOUSE_AUDIT_BODY_MAX_BYTES). The row always
 * records the full sizes; a longer body is kept up to this many bytes and the row's metadata says
 * so (`bodiesTruncatedToBytes`). Without a cap, an agent sending large refused calls, or an
 * upstream flooding large notifications, would write the audit store full at the rate limit.
 */
export const AUDIT_BODY_MAX_BYTES = 64 * 1024;

/** The first `maxBytes` bytes of a body (a character cut in two ends as U+FFFD). */
function capped(body: string | null, bytes: number | null, maxBytes: number): string | null {
  if (body === null || bytes === null || bytes <= maxBytes) return body;
  return Buffer.from(body, "utf8").subarray(0, maxBytes).toString("utf8");
}

/** The UTF-8 size of a kept body: a body within the cap is kept as it is, its size already known. */
function keptBytes(kept: string | null, body: string | null, bytes: number | null): number | null {
  if (kept === body) return bytes;
  return kept === null ? null : Buffer.byteLength(kept);
}

function withTruncation(
  metadata: Prisma.InputJsonValue | undefined,
  maxBytes: number,
): Prisma.InputJsonValue {
  const base =
    typeof metadata === "object" && metadata !== null && !Array.isArray(metadata)
      ? (metadata as Record<string, Prisma.InputJsonValue>)
      : metadata === undefined
        ? {}
        : { value: metadata };
  return { ...base, bodiesTruncatedToBytes: maxBytes };
}

/** The cap a row's bodies were cut to (withTruncation), or null when they were kept whole. */
export function bodiesTruncatedToBytes(metadata: unknown): number | null {
  const cut = (metadata as { bodiesTruncatedToBytes?: unknown } | null)?.bodiesTruncatedToBytes;
  return typeof cut === "number" ? cut : null;
}

export function buildAuditRow(
  scope: AuditScope,
  record: ExchangeRecord,
  keyring: Keyring,
  maxBodyBytes: number = AUDIT_BODY_MAX_BYTES,
): AuditRow {
  const id = uuidv7(record.startedAt);
  const requestBody = record.requestBody ?? null;
  const responseBody = record.responseBody ?? null;
  const requestBytes = requestBody === null ? null : Buffer.byteLength(requestBody);
  const responseBytes = responseBody === null ? null : Buffer.byteLength(responseBody);
  const isTruncated = (requestBytes ?? 0) > maxBodyBytes || (responseBytes ?? 0) > maxBodyBytes;
  const keptRequest = capped(requestBody, requestBytes, maxBodyBytes);
  const keptResponse = capped(responseBody, responseBytes, maxBodyBytes);
  const bodies =
    keptRequest === null && keptResponse === null
      ? null
      : sealBodies(
          keyring,
          id,
          keptRequest,
          keptBytes(keptRequest, requestBody, requestBytes),
          keptResponse,
          keptBytes(keptResponse, responseBody, responseBytes),
        );
  return {
    id,
    occurredAt: new Date(record.startedAt),
    action: record.action,
    outcome: record.outcome,
    reason: clip(record.reason),
    actorUserId: scope.userId,
    actorTokenId: scope.tokenId,
    actorClient: clip(scope.client),
    serverId: scope.serverId,
    connectionId: scope.connectionId,
    sessionId: scope.sessionId,
    method: clip(record.method),
    subject: clip(record.subject),
    latencyMs: Math.max(0, Math.round(Date.now() - record.startedAt)),
    requestBytes,
    responseBytes,
    clientIp: scope.clientIp,
    userAgent: clip(scope.userAgent),
    requestId: scope.requestId,
    metadata: isTruncated ? withTruncation(record.metadata, maxBodyBytes) : record.metadata,
    bodies,
    keyId: bodies === null ? null : keyIdOf(keyring.current),
  };
}

/** The tool, prompt or resource an MCP message is about, for the audit row's subject. */
export function subjectOf(method: string, params: JsonObject | undefined): string | null {
  if (!params) return null;
  switch (method) {
    case "tools/call":
    case "prompts/get":
      return typeof params.name === "string" ? params.name : null;
    case "resources/read":
    case "resources/subscribe":
    case "resources/unsubscribe":
    case "notifications/resources/updated":
      return typeof params.uri === "string" ? params.uri : null;
    case "completion/complete": {
      const ref = params.ref as JsonObject | undefined;
      if (ref && typeof ref.name === "string") return ref.name;
      if (ref && typeof ref.uri === "string") return ref.uri;
      return null;
    }
    default:
      return null;
  }
}
