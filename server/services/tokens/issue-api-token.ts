import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { Prisma } from "../../db/generated/client";
import { AppError } from "../../errors";
import { listVisibleServers } from "../catalog/visible-servers";
import { formatApiToken, hashSecret, newKeyId, newSecret } from "./api-token-format";
import { API_TOKEN_SCOPE_ENTRY, type ApiTokenScopeEntry, parseIpRange } from "./authenticate-api-token";

/**
 * Issues a personal API token. The full token is returned once and never stored: only its key id
 * and the hash of its secret are. The scope may only name the user's own connections and servers
 * they can see; an empty scope is allowed and grants nothing. Audited in the same transaction.
 */
const MAX_NAME_LENGTH = 100;
const MAX_SCOPE_ENTRIES = 200;
const MAX_IP_ENTRIES = 50;
const KEY_ID_ATTEMPTS = 3;

export type IssuedApiToken = {
  id: string;
  keyId: string;
  name: string;
  /** the only time the full token exists outside the client: show it once */
  token: string;
  scopes: ApiTokenScopeEntry[];
  ipAllowList: string[];
  expiresAt: Date | null;
  createdAt: Date;
};

function normalizeIpAllowList(entries: readonly string[]): string[] {
  if (entries.length > MAX_IP_ENTRIES)
    throw new AppError("BAD_REQUEST", `An IP allow-list holds at most ${MAX_IP_ENTRIES} entries.`);
  const normalized = new Set<string>();
  for (const entry of entries) {
    const range = parseIpRange(entry);
    if (range === null) {
      throw new AppError(
        "BAD_REQUEST",
        `"${entry.slice(0, 60)}" is not an IP address or CIDR range (such as 203.0.113.7 or 10.0.0.0/8).`,
      );
    }
    const [address, bits] = range;
    const full = address.kind() === "ipv4" ? 32 : 128;
    normalized.add(bits === full ? address.toString() : `${address.toString()}/${bits}`);
  }
  return [...normalized];
}

function parseScopes(scopes: readonly unknown[]): ApiTokenScopeEntry[] {
  if (scopes.length > MAX_SCOPE_ENTRIES)
    throw new AppError("BAD_REQUEST", `A token scope holds at most ${MAX_SCOPE_ENTRIES} entries.`);
  return scopes.map((raw, index) => {
    const parsed = API_TOKEN_SCOPE_ENTRY.safeParse(raw);
    if (!parsed.success)
      throw new AppError("BAD_REQUEST", `Scope entry ${index + 1} must name one connection or one server.`);
    const entry = parsed.data;
    return entry.tools ? { ...entry, tools: [...new Set(entry.tools)].sort() } : entry;
  });
}

function isKeyIdCollision(error: unknown): boolean {
  return (
    error instanceof Prisma.PrismaClientKnownRequestError &&
    error.code === "P2002" &&
    JSON.stringify(error.meta ?? {}).includes("keyId")
  );
}

export async function issueApiToken(options: {
  db: Db;
  userId: string;
  name: string;
  scopes: readonly unknown[];
  ipAllowList?: readonly string[];
  expiresAt?: Date | null;
  context: AuditContext;
  now?: Date;
}): Promise<IssuedApiToken> {
  const now = options.now ?? new Date();
  const name = options.name.trim();
  if (name === "" || name.length > MAX_NAME_LENGTH)
    throw new AppError("BAD_REQUEST", `Give the token a name of 1 to ${MAX_NAME_LENGTH} characters.`);
  const expiresAt = options.expiresAt ?? null;
  if (expiresAt !== null && expiresAt <= now)
    throw new AppError("BAD_REQUEST", "The expiry date must be in the future.");
  const scopes = parseScopes(options.scopes);
  const ipAllowList = normalizeIpAllowList(options.ipAllowList ?? []);

  for (let attempt = 1; ; attempt++) {
    const keyId = newKeyId();
    const secret = newSecret();
    try {
      return await options.db.$transaction(async (tx) => {
        const user = await tx.user.findUnique({ where: { id: options.userId }, select: { status: true } });
        if (user?.status !== "ACTIVE") throw new AppError("FORBIDDEN", "This account is deactivated.");

        // Another user's connection, or a server the user cannot see, is "not found" (X6).
        const connectionIds = [...new Set(scopes.flatMap((s) => (s.connectionId ? [s.connectionId] : [])))];
        if (connectionIds.length > 0) {
          const owned = await tx.connection.count({
            where: { id: { in: connectionIds }, userId: options.userId },
          });
          if (owned !== connectionIds.length)
            throw new AppError("NOT_FOUND", "A connection in the scope was not found.");
        }
        const serverIds = [...new Set(scopes.flatMap((s) => (s.serverId ? [s.serverId] : [])))];
        if (serverIds.length > 0) {
          const visible = new Set(
            (await listVisibleServers({ db: tx, userId: options.userId })).map((s) => s.serverId),
          );
          if (!serverIds.every((id) => visible.has(id)))
            throw new AppError("NOT_FOUND", "A server in the scope was not found.");
        }

        const row = await tx.apiToken.create({
          data: {
            userId: options.userId,
            name,
            keyId,
            secretHash: hashSecret(secret),
            scopes: scopes as Prisma.InputJsonValue,
            ipAllowList,
            expiresAt,
          },
          select: { id: true, createdAt: true },
        });
        await recordAudit(tx, options.context, {
          action: "token.issue",
          targetType: "api_token",
          targetId: row.id,
          metadata: {
            keyId,
            name,
            scopes: scopes as Prisma.InputJsonValue,
            ipAllowList,
            expiresAt: expiresAt?.toISOString() ?? null,
          },
        });
        return {
          id: row.id,
          keyId,
          name,
          token: formatApiToken(keyId, secret),
          scopes,
          ipAllowList,
          expiresAt,
          createdAt: row.createdAt,
        };
      });
    } catch (error) {
      // 60-bit key ids practically never collide; if one does, draw another.
      if (attempt < KEY_ID_ATTEMPTS && isKeyIdCollision(error)) continue;
      throw error;
    }
  }
}
