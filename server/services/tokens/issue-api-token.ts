import ipaddr from "ipaddr.js";
import { z } from "zod";
import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { Prisma } from "../../db/generated/client";
import { AppError } from "../../errors";
import { formatApiToken, hashSecret, newKeyId, newSecret } from "./api-token-format";
import { type ApiTokenScopeEntry, parseIpRange } from "./authenticate-api-token";
import { assertValidExpiry } from "./token-expiry";
import { loadScopeTargets, type ScopeTool } from "./token-scope-targets";

/**
 * Issues a personal API token. The full token is returned once and never stored: only its key id
 * and the hash of its secret are. The scope may only name the user's own connections and servers
 * they can see, and a tool restriction only tools the user may call there; an empty scope is
 * allowed and grants nothing. Audited in the same transaction.
 */
export const MAX_TOKEN_NAME_LENGTH = 100;
export const MAX_SCOPE_ENTRIES = 200;
export const MAX_IP_ENTRIES = 50;
const MAX_TOOLS_PER_ENTRY = 500;
/** Tool names over all entries of one scope, so one token's scope stays a few hundred KB at most. */
export const MAX_SCOPE_TOOLS = 2_000;
/**
 * Tokens one user may hold at once (neither revoked nor expired). Enough for an agent per laptop,
 * CI job and script; beyond it, revoke what is no longer used. Without a cap one user could store
 * tokens (and their scopes) without end.
 */
export const MAX_ACTIVE_TOKENS_PER_USER = 100;
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

/** What a caller may send for one scope entry; ids are checked for shape only here (X3). */
const SCOPE_INPUT = z
  .object({
    connectionId: z.string().max(200).optional(),
    serverId: z.string().max(200).optional(),
    tools: z.array(z.string().max(500)).max(MAX_TOOLS_PER_ENTRY).optional(),
  })
  .strict();

const UUID = z.uuid();
const CONNECTION_NOT_FOUND = "A connection in the scope was not found.";
const SERVER_NOT_FOUND = "A server in the scope was not found.";

function scopeError(code: "BAD_REQUEST" | "NOT_FOUND", message: string): AppError {
  return new AppError(code, message, { details: { field: "scopes" } });
}

/** Addresses and ranges in their canonical spelling, without repeats. */
export function normalizeIpAllowList(entries: readonly string[]): string[] {
  const cleaned = entries.map((entry) => entry.trim()).filter((entry) => entry !== "");
  if (cleaned.length > MAX_IP_ENTRIES)
    throw new AppError("BAD_REQUEST", `An IP allow-list holds at most ${MAX_IP_ENTRIES} entries.`, {
      details: { field: "ipAllowList" },
    });
  const normalized = new Set<string>();
  for (const entry of cleaned) {
    const range = parseIpRange(entry);
    if (range === null) {
      throw new AppError(
        "BAD_REQUEST",
        `"${entry.slice(0, 60)}" is not an IP address or CIDR range (such as 203.0.113.7 or 10.0.0.0/8).`,
        { details: { field: "ipAllowList" } },
      );
    }
    const [address, bits] = range;
    if (address.kind() === "ipv4" ? bits === 32 : bits === 128) {
      normalized.add(address.toString());
      continue;
    }
    // The network address, so "10.1.2.3/8" and "10.0.0.0/8" are the same entry.
    const cidr = `${address.toString()}/${bits}`;
    const network =
      address.kind() === "ipv4"
        ? ipaddr.IPv4.networkAddressFromCIDR(cidr)
        : ipaddr.IPv6.networkAddressFromCIDR(cidr);
    normalized.add(`${network.toString()}/${bits}`);
  }
  return [...normalized];
}

type CanonicalEntry = { kind: "connection" | "server"; id: string; tools: string[] | null };

/** Shape checks and canonical form; repeated entries for one target merge (no restriction wins). */
function canonicalScopes(scopes: readonly unknown[]): CanonicalEntry[] {
  if (scopes.length > MAX_SCOPE_ENTRIES)
    throw scopeError("BAD_REQUEST", `A token scope holds at most ${MAX_SCOPE_ENTRIES} entries.`);
  const merged = new Map<string, CanonicalEntry>();
  scopes.forEach((raw, index) => {
    const parsed = SCOPE_INPUT.safeParse(raw);
    const entry = parsed.success ? parsed.data : null;
    if (!entry || (entry.connectionId === undefined) === (entry.serverId === undefined))
      throw scopeError("BAD_REQUEST", `Scope entry ${index + 1} must name one connection or one server.`);
    const kind = entry.connectionId !== undefined ? "connection" : "server";
    const id = (entry.connectionId ?? entry.serverId ?? "").trim().toLowerCase();
    // Anything that is not a well-formed id cannot be one of the user's: not found, like a stranger's.
    if (!UUID.safeParse(id).success)
      throw scopeError("NOT_FOUND", kind === "connection" ? CONNECTION_NOT_FOUND : SERVER_NOT_FOUND);

    let tools: string[] | null = null;
    if (entry.tools !== undefined) {
      tools = [...new Set(entry.tools.map((tool) => tool.trim()))].sort();
      if (tools.length === 0 || tools.includes(""))
        throw scopeError(
          "BAD_REQUEST",
          "A tool restriction names at least one tool; leave it off to allow every tool.",
        );
      const bad = tools.find((tool) => tool.length > 200 || /\p{Cc}/u.test(tool));
      if (bad !== undefined) throw scopeError("BAD_REQUEST", `"${bad.slice(0, 60)}" is not a tool name.`);
    }

    const key = `${kind}:${id}`;
    const previous = merged.get(key);
    if (previous === undefined) merged.set(key, { kind, id, tools });
    else if (previous.tools === null || tools === null) previous.tools = null;
    else previous.tools = [...new Set([...previous.tools, ...tools])].sort();
  });
  const entries = [...merged.values()];
  // Checked after merging: repeated entries for one target add up to one list.
  if (entries.some((entry) => (entry.tools?.length ?? 0) > MAX_TOOLS_PER_ENTRY))
    throw scopeError(
      "BAD_REQUEST",
      `A scope names at most ${MAX_TOOLS_PER_ENTRY} tools per connection or server.`,
    );
  if (entries.reduce((total, entry) => total + (entry.tools?.length ?? 0), 0) > MAX_SCOPE_TOOLS)
    throw scopeError("BAD_REQUEST", `A scope names at most ${MAX_SCOPE_TOOLS} tools in all.`);
  return entries;
}

function assertCallable(tools: string[] | null, callable: ScopeTool[] | null, targetName: string): void {
  if (tools === null || callable === null) return;
  const names = new Set(callable.map((tool) => tool.name));
  const unknown = tools.find((tool) => !names.has(tool));
  if (unknown !== undefined)
    throw scopeError("BAD_REQUEST", `"${unknown.slice(0, 60)}" is not a tool you may call on ${targetName}.`);
}

function toStoredEntry(entry: CanonicalEntry): ApiTokenScopeEntry {
  const target = entry.kind === "connection" ? { connectionId: entry.id } : { serverId: entry.id };
  return entry.tools === null ? target : { ...target, tools: entry.tools };
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
  if (name === "" || name.length > MAX_TOKEN_NAME_LENGTH || /\p{Cc}/u.test(name))
    throw new AppError("BAD_REQUEST", `Give the token a name of 1 to ${MAX_TOKEN_NAME_LENGTH} characters.`, {
      details: { field: "name" },
    });
  const expiresAt = options.expiresAt ?? null;
  assertValidExpiry(expiresAt, now);
  const entries = canonicalScopes(options.scopes);
  const scopes = entries.map(toStoredEntry);
  const ipAllowList = normalizeIpAllowList(options.ipAllowList ?? []);

  for (let attempt = 1; ; attempt++) {
    const keyId = newKeyId();
    const secret = newSecret();
    try {
      return await options.db.$transaction(async (tx) => {
        // The user row is locked, so a deactivation (which locks it too, then revokes every token)
        // is either seen here or comes after this token exists; and parallel issues count one by one.
        const [user] = await tx.$queryRaw<{ status: string }[]>`
          SELECT status::text AS status FROM "User" WHERE id = ${options.userId}::uuid FOR UPDATE`;
        if (user?.status !== "ACTIVE") throw new AppError("FORBIDDEN", "This account is deactivated.");
        const active = await tx.apiToken.count({
          where: {
            userId: options.userId,
            revokedAt: null,
            OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
          },
        });
        if (active >= MAX_ACTIVE_TOKENS_PER_USER)
          throw new AppError(
            "BAD_REQUEST",
            `You have ${active} active tokens, the most one person may hold. Revoke the ones you no longer use, then create this one.`,
          );

        // Another user's connection, or a server the user cannot see, is "not found" (X6).
        if (entries.length > 0) {
          const targets = await loadScopeTargets({ db: tx, userId: options.userId });
          for (const entry of entries) {
            if (entry.kind === "connection") {
              const connection = targets.connections.get(entry.id);
              if (!connection) throw scopeError("NOT_FOUND", CONNECTION_NOT_FOUND);
              if (!connection.isAvailable)
                throw scopeError(
                  "BAD_REQUEST",
                  `${connection.serverName} is no longer shared with you, so a token cannot use the connection "${connection.name}".`,
                );
              assertCallable(entry.tools, connection.tools, connection.serverName);
            } else {
              const server = targets.servers.get(entry.id);
              if (!server) throw scopeError("NOT_FOUND", SERVER_NOT_FOUND);
              assertCallable(entry.tools, server.tools, server.name);
            }
          }
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
            ownerUserId: options.userId,
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
