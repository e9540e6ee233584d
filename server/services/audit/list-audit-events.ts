import { z } from "zod";
import type { Db, Prisma } from "../../db";
import { AppError } from "../../errors";
import { type Actor, can, PermissionDeniedError } from "../../policy/permissions";

/**
 * The audit log as people read it (the Audit page): newest first, a page at a time, narrowed by
 * kind, outcome, user, token, server, connection, MCP session, time and a text search. What a
 * reader sees depends on who they are (DESIGN "Roles"): Admins and Auditors the metadata of every event; Power users only the events of
 * servers they published (the MCP calls other people made through them, and changes to them).
 * Bodies are never part of a row here: an Auditor opens them one event at a time
 * (read-audit-bodies.ts), and that reading is itself audited.
 */

export const AUDIT_OUTCOMES = ["OK", "DENIED", "UPSTREAM_ERROR", "TIMEOUT", "ERROR", "CANCELLED"] as const;
export type AuditOutcomeFilter = (typeof AUDIT_OUTCOMES)[number];

/**
 * "mcp": exchanges with MCP servers, and tokens the MCP endpoints refused; "access": everything else
 * that happens in Gatehouse (changes to access, sign-ins, refusals, readings of bodies).
 */
export const AUDIT_KINDS = ["all", "mcp", "access"] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export const AUDIT_PERIODS = ["1h", "24h", "7d", "30d", "all"] as const;
export type AuditPeriod = (typeof AUDIT_PERIODS)[number];
const PERIOD_MS: Record<Exclude<AuditPeriod, "all">, number> = {
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
};

export type AuditFilters = {
  kind?: AuditKind;
  outcome?: AuditOutcomeFilter;
  /** the acting user */
  userId?: string;
  /** the API token the actor used: everything done with it (say, after it leaked) */
  tokenId?: string;
  serverId?: string;
  /** one connection (its id, not its public URL id): every call made through it */
  connectionId?: string;
  /** one MCP session (its Mcp-Session-Id): everything an agent did in it */
  sessionId?: string;
  period?: AuditPeriod;
  /** part of the action, method, tool/prompt/resource name or reason */
  search?: string;
};

export type AuditEventRow = {
  id: string;
  occurredAt: Date;
  action: string;
  outcome: AuditOutcomeFilter;
  reason: string | null;
  method: string | null;
  /** tool, prompt or resource name of an MCP exchange */
  subject: string | null;
  /** null for the operator (CLI) and for refusals before anyone was identified */
  actor: { id: string; email: string | null; name: string | null } | null;
  token: { id: string; name: string | null } | null;
  /** the agent's "name/version" from initialize */
  client: string | null;
  server: { id: string; name: string | null; slug: string | null } | null;
  /** name null: the connection was deleted since */
  connection: { id: string; name: string | null } | null;
  sessionId: string | null;
  targetType: string | null;
  targetId: string | null;
  latencyMs: number | null;
  requestBytes: number | null;
  responseBytes: number | null;
  clientIp: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: unknown;
  /** sealed request/response bodies are stored (an Auditor may open them) */
  hasBodies: boolean;
};

export type AuditPage = {
  items: AuditEventRow[];
  nextCursor: string | null;
  /** "all": every event; "own_servers": only events of servers the reader published */
  visibility: "all" | "own_servers";
  canReadBodies: boolean;
};

export const AUDIT_PAGE_SIZE = 50;
const UUID = z.uuid();

/** Which events `actor` may read: all of them, those of their own servers, or none (refused). */
export function auditVisibility(actor: Actor): "all" | "own_servers" {
  if (can(actor, "audit.read_metadata")) return "all";
  if (can(actor, "audit.read_own_servers")) return "own_servers";
  throw new PermissionDeniedError("audit.read_metadata");
}

function parseCursor(cursor: string | undefined): { occurredAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const match = cursor.match(/^(\d{1,15})\.(.+)$/);
  // Starting over silently would repeat the rows already loaded.
  if (!match?.[1] || !match[2] || !UUID.safeParse(match[2]).success)
    throw new AppError("BAD_REQUEST", "This page of the audit log is no longer valid. Reload the list.");
  return { occurredAt: new Date(Number(match[1])), id: match[2] };
}

/** LIKE's own wildcards in a search are meant literally. */
function literalPattern(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

const READ_TIMEOUT_MS = 5_000;
const NEWEST_FIRST = [
  { occurredAt: "desc" },
  { id: "desc" },
] satisfies Prisma.AuditEventOrderByWithRelationInput[];

/** PostgreSQL cancelled a statement (57014), or the reads of one page outlasted their transaction (P2028). */
function isTooSlow(error: unknown): boolean {
  const known = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
  } | null;
  return known?.code === "P2028" || known?.meta?.driverAdapterError?.cause?.originalCode === "57014";
}

/**
 * The newest `take` rows matching `where`, bounded in time: filters without an index of their own
 * (the kind "access", an outcome, a search) can make PostgreSQL read the whole period, so a read
 * that takes longer than READ_TIMEOUT_MS is stopped and the reader asked to narrow it. A Power
 * user's servers are read one query each, every one walking that server's (serverId, occurredAt)
 * index, and merged; a single `serverId IN (…)` query would walk every server's events by time
 * instead, however few are theirs.
 */
async function readRows(
  db: Db,
  where: Prisma.AuditEventWhereInput[],
  serverIds: string[] | null,
  take: number,
) {
  try {
    return await db.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = ${READ_TIMEOUT_MS}`);
        const read = (scope: Prisma.AuditEventWhereInput[]) =>
          tx.auditEvent.findMany({
            where: { AND: [...where, ...scope] },
            orderBy: NEWEST_FIRST,
            take,
            omit: { bodies: true, requestBody: true, responseBody: true },
          });
        if (serverIds === null) return read([]);
        const lists: Awaited<ReturnType<typeof read>>[] = [];
        for (const serverId of serverIds) lists.push(await read([{ serverId }]));
        return lists
          .flat()
          .sort(
            (a, b) =>
              b.occurredAt.getTime() - a.occurredAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
          )
          .slice(0, take);
      },
      { timeout: READ_TIMEOUT_MS * 2 },
    );
  } catch (error) {
    if (isTooSlow(error))
      throw new AppError(
        "BAD_REQUEST",
        "Reading these events took too long. Choose a shorter period or narrow the filters.",
        { cause: error },
      );
    throw error;
  }
}

function whereOf(filters: AuditFilters, now: Date): Prisma.AuditEventWhereInput[] {
  const where: Prisma.AuditEventWhereInput[] = [];
  if (filters.kind === "mcp") where.push({ action: { startsWith: "mcp." } });
  if (filters.kind === "access") where.push({ NOT: { action: { startsWith: "mcp." } } });
  if (filters.outcome) where.push({ outcome: filters.outcome });
  if (filters.userId) where.push({ actorUserId: filters.userId });
  if (filters.tokenId) where.push({ actorTokenId: filters.tokenId });
  if (filters.serverId) where.push({ serverId: filters.serverId });
  if (filters.connectionId) where.push({ connectionId: filters.connectionId });
  if (filters.sessionId) where.push({ sessionId: filters.sessionId });
  if (filters.period && filters.period !== "all")
    where.push({ occurredAt: { gte: new Date(now.getTime() - PERIOD_MS[filters.period]) } });
  const search = filters.search?.trim().slice(0, 200);
  if (search)
    where.push({
      OR: (["action", "method", "subject", "reason"] as const).map((column) => ({
        [column]: { contains: literalPattern(search), mode: "insensitive" as const },
      })),
    });
  return where;
}

export async function listAuditEvents(options: {
  db: Db;
  actor: Actor & { id: string };
  filters?: AuditFilters;
  cursor?: string;
  limit?: number;
  now?: Date;
}): Promise<AuditPage> {
  const visibility = auditVisibility(options.actor);
  const canReadBodies = can(options.actor, "audit.read_bodies");
  const filters = options.filters ?? {};
  const limit = Math.min(Math.max(options.limit ?? AUDIT_PAGE_SIZE, 1), 200);
  // A malformed id in a filter matches nothing (it is not an error the reader can act on).
  for (const id of [filters.userId, filters.tokenId, filters.serverId, filters.connectionId])
    if (id !== undefined && !UUID.safeParse(id).success)
      return { items: [], nextCursor: null, visibility, canReadBodies };

  const where = whereOf(filters, options.now ?? new Date());
  const after = parseCursor(options.cursor);
  if (after)
    where.push(
      // The range lets PostgreSQL start its index scan at the cursor; the OR breaks ties on the id.
      { occurredAt: { lte: after.occurredAt } },
      {
        OR: [
          { occurredAt: { lt: after.occurredAt } },
          { occurredAt: after.occurredAt, id: { lt: after.id } },
        ],
      },
    );

  let serverIds: string[] | null = null;
  if (visibility === "own_servers") {
    const owned = await options.db.server.findMany({
      where: { ownerId: options.actor.id },
      select: { id: true },
    });
    serverIds = owned.map((server) => server.id).filter((id) => !filters.serverId || id === filters.serverId);
    if (serverIds.length === 0) return { items: [], nextCursor: null, visibility, canReadBodies };
  }
  const rows = await readRows(options.db, where, serverIds, limit + 1);
  const page = rows.slice(0, limit);
  // Audit rows name users, tokens, servers and connections by id only (no foreign keys): look the
  // names up.
  const ids = (pick: (row: (typeof page)[number]) => string | null) => [
    ...new Set(page.map(pick).filter((id): id is string => id !== null)),
  ];
  const [users, tokens, servers, connections] = await Promise.all([
    options.db.user.findMany({
      where: { id: { in: ids((row) => row.actorUserId) } },
      select: { id: true, email: true, name: true },
    }),
    options.db.apiToken.findMany({
      where: { id: { in: ids((row) => row.actorTokenId) } },
      select: { id: true, name: true },
    }),
    options.db.server.findMany({
      where: { id: { in: ids((row) => row.serverId) } },
      select: { id: true, name: true, slug: true },
    }),
    options.db.connection.findMany({
      where: { id: { in: ids((row) => row.connectionId) } },
      select: { id: true, name: true },
    }),
  ]);
  const userById = new Map(users.map((user) => [user.id, user]));
  const tokenById = new Map(tokens.map((token) => [token.id, token]));
  const serverById = new Map(servers.map((server) => [server.id, server]));
  const connectionById = new Map(connections.map((connection) => [connection.id, connection]));

  const items = page.map(
    (row): AuditEventRow => ({
      id: row.id,
      occurredAt: row.occurredAt,
      action: row.action,
      outcome: row.outcome,
      reason: row.reason,
      method: row.method,
      subject: row.subject,
      actor:
        row.actorUserId === null
          ? null
          : {
              id: row.actorUserId,
              email: userById.get(row.actorUserId)?.email ?? null,
              name: userById.get(row.actorUserId)?.name ?? null,
            },
      token:
        row.actorTokenId === null
          ? null
          : { id: row.actorTokenId, name: tokenById.get(row.actorTokenId)?.name ?? null },
      client: row.actorClient,
      server:
        row.serverId === null
          ? null
          : {
              id: row.serverId,
              name: serverById.get(row.serverId)?.name ?? null,
              slug: serverById.get(row.serverId)?.slug ?? null,
            },
      connection:
        row.connectionId === null
          ? null
          : { id: row.connectionId, name: connectionById.get(row.connectionId)?.name ?? null },
      sessionId: row.sessionId,
      targetType: row.targetType,
      targetId: row.targetId,
      latencyMs: row.latencyMs,
      requestBytes: row.requestBytes,
      responseBytes: row.responseBytes,
      clientIp: row.clientIp,
      userAgent: row.userAgent,
      requestId: row.requestId,
      metadata: row.metadata,
      // The key id is recorded exactly when bodies were sealed (server/mcp/audit.ts).
      hasBodies: row.keyId !== null,
    }),
  );
  const last = page.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? `${last.occurredAt.getTime()}.${last.id}` : null,
    visibility,
    canReadBodies,
  };
}
