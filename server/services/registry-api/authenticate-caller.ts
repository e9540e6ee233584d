import { recordAudit } from "../../audit/record";
import { sessionFromHeaders } from "../../auth/session";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import { can } from "../../policy/permissions";
import { redis, redisKey } from "../../redis";
import { bearerToken } from "../tokens/api-token-format";
import {
  type ApiTokenRefusal,
  ApiTokenRefusedError,
  type ApiTokenScopeEntry,
  authenticateApiToken,
} from "../tokens/authenticate-api-token";
import { RefusalAuditThrottle } from "../tokens/refusal-audit-throttle";
import { credentialKey, UnknownCredentialGuard } from "../tokens/unknown-credentials";

/**
 * Who is calling the Registry API: a signed-in browser (session cookie) or an agent or IDE with a
 * personal API token. A presented Authorization header is the credential: when it is invalid the
 * request fails even if a valid cookie came along, so a client never silently acts as someone else.
 */
export type RegistryCaller = {
  userId: string;
  authenticatedBy: "session" | "token";
  /** the token's scope; null for a session, which sees everything the user may see */
  scope: ApiTokenScopeEntry[] | null;
  /** the API token's id, for a token caller (its rate limits) */
  tokenId?: string;
};

export class NotAuthenticatedError extends AppError {
  constructor(readonly presented: boolean) {
    super(
      "UNAUTHORIZED",
      presented
        ? "The API token is invalid, expired or revoked."
        : "Sign in, or send a personal API token as 'Authorization: Bearer gh_…'.",
    );
  }
}

/** This instance's side of the per-address budget of unknown tokens, shared with the MCP endpoints. */
const unknownCredentials = new UnknownCredentialGuard();
const refusalAudits = new RefusalAuditThrottle();

/**
 * Audits the refusal of a token that matched a stored one (`registry.auth.denied`, as the MCP
 * endpoints write `mcp.auth.denied`), bounded per token and reason by RefusalAuditThrottle. The row
 * names the token and its owner, never the secret. If it cannot be written the request fails with
 * 503, as an MCP request does.
 */
async function auditRefusal(db: Db, headers: Headers, refusal: ApiTokenRefusal, httpStatus: number) {
  try {
    await refusalAudits.record(refusal, Date.now(), (skipped) =>
      recordAudit(
        db,
        {
          actorUserId: refusal.userId,
          actorTokenId: refusal.tokenId,
          clientIp: headers.get("x-gatehouse-client-ip"),
          userAgent: headers.get("user-agent"),
          requestId: headers.get("x-request-id"),
        },
        {
          action: "registry.auth.denied",
          outcome: "DENIED",
          reason: refusal.reason,
          metadata: { httpStatus, ...(skipped > 0 && { refusalsNotRecorded: skipped }) },
        },
      ),
    );
  } catch (cause) {
    throw new AppError(
      "UNAVAILABLE",
      "The audit log cannot be written right now, so this request is refused. Try again shortly.",
      { cause },
    );
  }
}

export async function authenticateRegistryCaller(options: {
  db: Db;
  headers: Headers;
}): Promise<RegistryCaller> {
  const { headers } = options;
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const token = bearerToken(authorization);
    if (token === null) throw new NotAuthenticatedError(true);
    // x-gatehouse-client-ip is set by our HTTP front from the socket or a trusted proxy only.
    const clientIp = headers.get("x-gatehouse-client-ip");
    const key = credentialKey(token);
    const now = Date.now();
    const refusedForSeconds = unknownCredentials.refusedForSeconds(key, clientIp, now);
    if (refusedForSeconds !== null)
      throw new AppError(
        "RATE_LIMITED",
        `Too many requests with tokens Gatehouse does not know came from this address. Check the token you send; retry in ${refusedForSeconds} s.`,
        { details: { retryAfterSeconds: refusedForSeconds } },
      );
    let authenticated: Awaited<ReturnType<typeof authenticateApiToken>>;
    try {
      authenticated = await authenticateApiToken({ db: options.db, token, clientIp });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const refusal = error instanceof ApiTokenRefusedError ? error.refusal : null;
      const isUnauthorized = error.code === "UNAUTHORIZED";
      // A wrong secret for a known key id counts too: its sender does not hold that token either.
      if (isUnauthorized && (refusal === null || refusal.reason === "wrong_secret"))
        await unknownCredentials.countUnknown(redis(), redisKey(""), clientIp, now);
      if (refusal !== null) await auditRefusal(options.db, headers, refusal, isUnauthorized ? 401 : 403);
      throw isUnauthorized ? new NotAuthenticatedError(true) : error;
    }
    unknownCredentials.accepted(key);
    if (!can(authenticated.user, "catalog.read"))
      throw new AppError("FORBIDDEN", "You do not have permission to browse the catalog.");
    return {
      userId: authenticated.user.id,
      authenticatedBy: "token",
      scope: authenticated.scopes,
      tokenId: authenticated.tokenId,
    };
  }

  const session = await sessionFromHeaders(headers);
  if (session === null) throw new NotAuthenticatedError(false);
  if (!can(session.user, "catalog.read"))
    throw new AppError("FORBIDDEN", "You do not have permission to browse the catalog.");
  return { userId: session.user.id, authenticatedBy: "session", scope: null };
}
