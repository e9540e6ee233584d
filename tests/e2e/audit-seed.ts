import { randomBytes, randomUUID } from "node:crypto";
import { keyringFromBase64 } from "../../server/crypto/envelope";
import { type AuditScope, buildAuditRow, type ExchangeRecord } from "../../server/mcp/audit";
import { type AuditRow, auditInsertSql, auditInsertValues } from "../../server/mcp/audit-writer";
import { type E2eDb, UTC_NOW } from "./db";
import type { E2eState } from "./state";

/**
 * Audit events for the Audit page's specs, written as the app writes them: MCP exchanges are built
 * by the proxy's own buildAuditRow and sealed under the e2e server's key (so the app opens their
 * bodies), and every row goes through the proxy's own INSERT (server/mcp/audit-writer.ts).
 */

export async function insertAuditRow(db: E2eDb, row: AuditRow): Promise<string> {
  await db.query(auditInsertSql(1), auditInsertValues([row]));
  return row.id;
}

/**
 * One MCP exchange `secondsAgo` in the past, its bodies sealed as the proxy seals them. `latencyMs`
 * is set here: buildAuditRow measures it from `startedAt`, which is back-dated.
 */
export function mcpExchange(
  state: E2eState,
  scope: Partial<AuditScope>,
  record: Omit<ExchangeRecord, "startedAt"> & { secondsAgo: number; latencyMs: number },
  maxBodyBytes?: number,
): AuditRow {
  const { secondsAgo, latencyMs, ...exchange } = record;
  const row = buildAuditRow(
    {
      userId: null,
      tokenId: null,
      serverId: null,
      connectionId: null,
      sessionId: null,
      client: null,
      clientIp: null,
      userAgent: null,
      requestId: randomUUID(),
      ...scope,
    },
    { ...exchange, startedAt: Date.now() - secondsAgo * 1000 },
    keyringFromBase64(state.encryptionKey),
    maxBodyBytes,
  );
  return { ...row, latencyMs };
}

/** A change made in Gatehouse (no bodies), `secondsAgo` in the past. */
export function accessChange(
  fields: Omit<AuditRow, "id" | "occurredAt" | "outcome"> & {
    secondsAgo: number;
    outcome?: AuditRow["outcome"];
  },
): AuditRow {
  const { secondsAgo, outcome, ...rest } = fields;
  return {
    id: randomUUID(),
    occurredAt: new Date(Date.now() - secondsAgo * 1000),
    outcome: outcome ?? "OK",
    ...rest,
  };
}

export async function userIdOf(db: E2eDb, email: string): Promise<string> {
  const id = await db.value<string>(`SELECT id AS value FROM "User" WHERE email = $1`, [email]);
  if (!id) throw new Error(`no e2e user ${email}`);
  return id;
}

/** A new active user with `role`, for a spec that needs someone nobody else's spec touches. */
export async function createUser(
  db: E2eDb,
  options: { email: string; name: string; role: "POWER_USER" | "BASIC_USER" | "ADMIN"; isAuditor?: boolean },
): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO "User" (id, email, name, role, "isAuditor", "emailVerified", "updatedAt")
     VALUES ($1, $2, $3, $4::"PlatformRole", $5, ${UTC_NOW}, ${UTC_NOW})`,
    [id, options.email, options.name, options.role, options.isAuditor ?? false],
  );
  return id;
}

/**
 * An approved personal server owned by `ownerId`. Its URL is a public address literal nothing here
 * dials for the spec (its events are seeded), as in connections.spec.ts.
 */
export async function createServer(
  db: E2eDb,
  options: { ownerId: string; slug: string; name: string },
): Promise<string> {
  const id = randomUUID();
  const versionId = randomUUID();
  await db.query(
    `INSERT INTO "Server" (id, slug, name, description, "ownerId", scope, status, "updatedAt")
     VALUES ($1, $2, $3, 'Seeded for the audit log spec.', $4, 'PERSONAL', 'APPROVED', ${UTC_NOW})`,
    [id, options.slug, options.name, options.ownerId],
  );
  await db.query(
    `INSERT INTO "ServerVersion" (id, "serverId", version, transport, url, status, "reviewedAt")
     VALUES ($1, $2, '1.0.0', 'STREAMABLE_HTTP', 'https://93.184.216.34/mcp', 'APPROVED', ${UTC_NOW})`,
    [versionId, id],
  );
  await db.query(`UPDATE "Server" SET "approvedVersionId" = $1 WHERE id = $2`, [versionId, id]);
  return id;
}

/** An API token row (its secret is never used: the events that name it are seeded). */
export async function createToken(db: E2eDb, options: { userId: string; name: string }): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO "ApiToken" (id, "userId", name, "keyId", "secretHash", scopes, "createdAt")
     VALUES ($1, $2, $3, $4, $5, '[]', ${UTC_NOW})`,
    [id, options.userId, options.name, `e2e${randomBytes(5).toString("hex")}`.slice(0, 12), "0".repeat(64)],
  );
  return id;
}

/** A connection of `userId` to the server's approved version (never dialled: its events are seeded). */
export async function createConnection(
  db: E2eDb,
  options: { userId: string; serverId: string; name: string },
): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO "Connection" (id, "publicId", "userId", "serverId", "serverVersionId", name, "updatedAt")
     SELECT $1, $2, $3, id, "approvedVersionId", $4, ${UTC_NOW} FROM "Server" WHERE id = $5`,
    [id, `e2e-${randomBytes(8).toString("hex")}`, options.userId, options.name, options.serverId],
  );
  return id;
}
