import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { z } from "zod";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import type { PlatformRole } from "../../policy/permissions";
import { hashSecret, parseApiToken, secretMatches } from "./api-token-format";

/**
 * Authenticates a personal API token (DESIGN.md, "API token"): parse, one lookup by key id,
 * constant-time comparison of the secret's hash, then revocation, expiry, the owner's status and
 * the IP allow-list. Every failure is the same 401 so a caller learns nothing about which check
 * failed, except the IP allow-list (403): its caller holds a valid secret and needs to know that
 * another network address, not another token, is the fix.
 */

/** One scope entry: a server, or one connection (hence its server), optionally narrowed to tools. */
export const API_TOKEN_SCOPE_ENTRY = z
  .object({
    connectionId: z.uuid().optional(),
    serverId: z.uuid().optional(),
    tools: z.array(z.string().min(1).max(200)).max(500).optional(),
  })
  .strict()
  .refine((entry) => entry.connectionId !== undefined || entry.serverId !== undefined, {
    error: "names a connection or a server",
  });

export type ApiTokenScopeEntry = z.infer<typeof API_TOKEN_SCOPE_ENTRY>;

export type AuthenticatedApiToken = {
  tokenId: string;
  keyId: string;
  user: { id: string; role: PlatformRole; isAuditor: boolean; status: "ACTIVE" | "DEACTIVATED" };
  /** never "everything": an empty list grants nothing */
  scopes: ApiTokenScopeEntry[];
};

const INVALID_TOKEN = "The API token is invalid, expired or revoked.";
const ADDRESS_NOT_ALLOWED = "This API token may not be used from your network address.";

/** Why a token whose key id matched a stored row was refused. */
export type ApiTokenRefusalReason =
  | "wrong_secret"
  | "revoked"
  | "expired"
  | "user_deactivated"
  | "address_not_allowed";

export type ApiTokenRefusal = { tokenId: string; userId: string; reason: ApiTokenRefusalReason };

/**
 * The refusal of a token whose key id matched a stored row: the same code and message as every other
 * failure (the caller still learns nothing about which check failed), plus the row's ids and the
 * reason, for the audit of the refusal. A key id no row holds gives a plain AppError, so random
 * tokens from a stranger leave nothing to record. `refusal` is never sent to the client.
 */
export class ApiTokenRefusedError extends AppError {
  constructor(
    code: "UNAUTHORIZED" | "FORBIDDEN",
    message: string,
    readonly refusal: ApiTokenRefusal,
  ) {
    super(code, message);
    this.name = "ApiTokenRefusedError";
  }
}
// Compared against when the key id is unknown, so a miss costs the same hashing as a hit.
const UNKNOWN_KEY_HASH = hashSecret("gatehouse-unknown-key-id");

/**
 * Reads the stored scope JSON. Entries that do not parse are dropped rather than widened: a damaged
 * row grants less, never more.
 */
export function parseTokenScopes(value: unknown): ApiTokenScopeEntry[] {
  if (!Array.isArray(value)) return [];
  const entries: ApiTokenScopeEntry[] = [];
  for (const raw of value) {
    const parsed = API_TOKEN_SCOPE_ENTRY.safeParse(raw);
    if (parsed.success) entries.push(parsed.data);
  }
  return entries;
}

/**
 * A single address ("203.0.113.7", "2001:db8::1") or a CIDR range ("10.0.0.0/8"). IPv4 must be in
 * dotted four-part decimal: the octal, hex and short forms inet_aton accepts are refused, also as
 * the IPv4 part of an IPv6 address.
 */
export function parseIpRange(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  const value = entry.trim();
  const parts = value.split("/");
  if (parts.length > 2) return null;
  const [address, prefix] = parts;
  if (address === undefined || address === "") return null;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return null;
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) {
    const bits = prefix === undefined ? 32 : Number(prefix);
    return bits <= 32 ? [ipaddr.IPv4.parse(address), bits] : null;
  }
  // isIP (inet_pton's rules) also holds an embedded IPv4 part to dotted decimal, which ipaddr does not.
  if (isIP(address) === 6 && ipaddr.IPv6.isValid(address) && !address.includes("%")) {
    const parsed = ipaddr.IPv6.parse(address);
    const bits = prefix === undefined ? 128 : Number(prefix);
    if (bits > 128) return null;
    // "::ffff:10.0.0.0/104" is the IPv4 range 10.0.0.0/8 written in IPv6.
    if (parsed.isIPv4MappedAddress() && bits >= 96) return [parsed.toIPv4Address(), bits - 96];
    return [parsed, bits];
  }
  return null;
}

/**
 * Is `clientIp` inside one of `allowList`? An empty list allows every address; an unknown or
 * unparseable client address is allowed by none. Malformed entries match nothing.
 */
export function isIpAllowed(allowList: readonly string[], clientIp: string | null | undefined): boolean {
  if (allowList.length === 0) return true;
  if (!clientIp || !ipaddr.isValid(clientIp)) return false;
  // process() turns an IPv4-mapped IPv6 address (::ffff:203.0.113.7) back into IPv4.
  const address = ipaddr.process(clientIp);
  return allowList.some((entry) => {
    const range = parseIpRange(entry);
    if (range === null || range[0].kind() !== address.kind()) return false;
    return address.match(range);
  });
}

/** The stored row authenticateApiToken reads; the MCP proxy caches what it needs of it. */
export type AuthenticatedApiTokenRow = AuthenticatedApiToken & {
  expiresAt: Date | null;
  ipAllowList: string[];
};

/**
 * Counts uses of tokens in memory and writes them in one go (DESIGN "API token": the token list
 * shows the last use and the count). The MCP proxy records here instead of writing a row per call;
 * a timer flushes every FLUSH_INTERVAL_MS, so the token list lags by at most that (plus the flush).
 * Counts not yet flushed when the process dies are lost; the audit log keeps every call anyway.
 */
export class TokenUsageBuffer {
  static readonly FLUSH_INTERVAL_MS = 10_000;
  private pending = new Map<string, { count: number; lastUsedAt: Date }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly db: () => Db) {}

  record(tokenId: string, now: Date): void {
    const entry = this.pending.get(tokenId);
    if (entry) {
      entry.count += 1;
      if (now > entry.lastUsedAt) entry.lastUsedAt = now;
    } else this.pending.set(tokenId, { count: 1, lastUsedAt: now });
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, TokenUsageBuffer.FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Writes what is pending (one UPDATE per token, atomic increments). Never throws; failures are retried. */
  flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const run = this.flushing.then(() => this.write(batch));
    this.flushing = run;
    return run;
  }

  private async write(batch: Map<string, { count: number; lastUsedAt: Date }>): Promise<void> {
    if (batch.size === 0) return;
    const results = await Promise.allSettled(
      [...batch].map(([id, use]) =>
        // updateMany: a token deleted in the meantime is not an error. lastUsedAt never moves back.
        this.db()
          .apiToken.updateMany({
            where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: use.lastUsedAt } }] },
            data: { lastUsedAt: use.lastUsedAt, usageCount: { increment: use.count } },
          })
          .then(async (updated) => {
            if (updated.count === 0)
              await this.db().apiToken.updateMany({
                where: { id },
                data: { usageCount: { increment: use.count } },
              });
          }),
      ),
    );
    let failed = 0;
    for (const [index, result] of results.entries()) {
      if (result.status === "fulfilled") continue;
      failed += 1;
      const [id, use] = [...batch][index] as [string, { count: number; lastUsedAt: Date }];
      const entry = this.pending.get(id);
      if (entry) {
        entry.count += use.count;
        if (use.lastUsedAt > entry.lastUsedAt) entry.lastUsedAt = use.lastUsedAt;
      } else this.pending.set(id, use);
    }
    if (failed > 0 && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, TokenUsageBuffer.FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }
}

const USAGE_KEY = Symbol.for("gatehouse.token-usage");
type GlobalWithUsage = typeof globalThis & { [USAGE_KEY]?: TokenUsageBuffer };

/** The process's usage buffer (shared by the fast path and Next's separately bundled routes). */
export function tokenUsageBuffer(db: () => Db): TokenUsageBuffer {
  const holder = globalThis as GlobalWithUsage;
  holder[USAGE_KEY] ??= new TokenUsageBuffer(db);
  return holder[USAGE_KEY];
}

/**
 * Authenticates without counting the use: the caller counts it (the MCP proxy through
 * TokenUsageBuffer). Returns the row's expiry and IP allow-list too, for the proxy's cache.
 */
export async function verifyApiToken(options: {
  db: Db;
  token: string;
  clientIp: string | null | undefined;
  now?: Date;
}): Promise<AuthenticatedApiTokenRow> {
  const now = options.now ?? new Date();
  const parsed = parseApiToken(options.token);
  if (parsed === null) throw new AppError("UNAUTHORIZED", INVALID_TOKEN);

  const row = await options.db.apiToken.findUnique({
    where: { keyId: parsed.keyId },
    select: {
      id: true,
      keyId: true,
      secretHash: true,
      scopes: true,
      ipAllowList: true,
      expiresAt: true,
      revokedAt: true,
      user: { select: { id: true, role: true, isAuditor: true, status: true } },
    },
  });
  const matches = secretMatches(parsed.secret, row?.secretHash ?? UNKNOWN_KEY_HASH);
  if (!row) throw new AppError("UNAUTHORIZED", INVALID_TOKEN);
  const refuse = (reason: ApiTokenRefusalReason) =>
    new ApiTokenRefusedError(
      reason === "address_not_allowed" ? "FORBIDDEN" : "UNAUTHORIZED",
      reason === "address_not_allowed" ? ADDRESS_NOT_ALLOWED : INVALID_TOKEN,
      { tokenId: row.id, userId: row.user.id, reason },
    );
  // The row's other facts are not told apart for a wrong secret: its sender does not hold the token.
  if (!matches) throw refuse("wrong_secret");
  // Revoked is revoked whenever it was stamped: the revoking process's clock may run ahead of ours.
  if (row.revokedAt !== null) throw refuse("revoked");
  if (row.expiresAt !== null && row.expiresAt <= now) throw refuse("expired");
  if (row.user.status !== "ACTIVE") throw refuse("user_deactivated");
  if (!isIpAllowed(row.ipAllowList, options.clientIp)) throw refuse("address_not_allowed");

  return {
    tokenId: row.id,
    keyId: row.keyId,
    user: row.user,
    scopes: parseTokenScopes(row.scopes),
    expiresAt: row.expiresAt,
    ipAllowList: row.ipAllowList,
  };
}

/** Authenticates and counts the use at once (the Registry API: few calls, counted exactly). */
export async function authenticateApiToken(options: {
  db: Db;
  token: string;
  clientIp: string | null | undefined;
  now?: Date;
}): Promise<AuthenticatedApiToken> {
  const now = options.now ?? new Date();
  const token = await verifyApiToken({ ...options, now });
  // One UPDATE with an atomic increment: no read-modify-write, no lost counts under concurrency.
  // A token deleted in the meantime must not turn a served request into an error.
  await options.db.apiToken
    .update({ where: { id: token.tokenId }, data: { lastUsedAt: now, usageCount: { increment: 1 } } })
    .catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== "P2025") throw error;
    });
  return { tokenId: token.tokenId, keyId: token.keyId, user: token.user, scopes: token.scopes };
}
