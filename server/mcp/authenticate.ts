import type { Db } from "../db";
import { AppError, isAppError } from "../errors";
import type { PlatformRole } from "../policy/permissions";
import { API_TOKEN_PREFIX, bearerToken } from "../services/tokens/api-token-format";
import {
  ApiTokenRefusedError,
  type ApiTokenScopeEntry,
  verifyApiToken,
} from "../services/tokens/authenticate-api-token";

/**
 * Who is calling (DESIGN "How a tool call flows", step 2). Every request is authenticated again
 * (A7: a session id is never a credential). Credentials are recognised by pluggable authenticators:
 * personal API tokens today, the gateway's OAuth access tokens in a later issue. Each turns a bearer
 * into the same principal, so one policy check serves both.
 */

/** What a credential admits; an empty list admits nothing (never "everything"). */
export type CredentialScope = ApiTokenScopeEntry;

export type McpPrincipal = {
  /** which kind of credential authenticated the request */
  kind: "api_token" | "oauth";
  userId: string;
  /** the API token's id (audit actorTokenId); for OAuth, the grant's */
  tokenId: string;
  user: { id: string; role: PlatformRole; isAuditor: boolean; status: "ACTIVE" | "DEACTIVATED" };
  scopes: CredentialScope[];
  /** when the credential stops being valid (the policy cache checks it on every use) */
  expiresAt?: Date | null;
  /** addresses the credential may be used from (empty = any); checked on every use */
  ipAllowList?: readonly string[];
};

export type Authenticator = {
  /** null when the bearer is not in this authenticator's format (the next one is asked) */
  authenticate: (input: {
    db: Db;
    bearer: string;
    clientIp: string | null;
    resource: string;
  }) => Promise<McpPrincipal | null>;
};

/**
 * A presented credential that matched a stored one (an API token whose key id was found) and was
 * refused anyway: what the audit of the refusal records. Never the secret.
 */
export type CredentialRefusal = {
  tokenId: string;
  /** the credential's owner */
  userId: string;
  /** wrong_secret, revoked, expired, user_deactivated or address_not_allowed */
  reason: string;
};

/**
 * 401: no credential, or one that is not valid. `presented` decides error="invalid_token";
 * `refusal` is set when the credential matched a stored one (the handler audits it).
 */
export class AuthenticationError extends AppError {
  constructor(
    readonly presented: boolean,
    readonly refusal: CredentialRefusal | null = null,
  ) {
    super(
      "UNAUTHORIZED",
      presented
        ? "The access token is invalid, expired or revoked."
        : "Authentication required: send 'Authorization: Bearer <token>' (a personal API token of this connection's owner).",
    );
  }
}

/**
 * 403: a valid credential presented from a network address its allow-list does not admit. Not a
 * 401: the caller holds the right secret and needs to know another address, not another token, is
 * the fix (authenticate-api-token.ts).
 */
export class CredentialForbiddenError extends AppError {
  constructor(
    message: string,
    readonly refusal: CredentialRefusal,
  ) {
    super("FORBIDDEN", message);
  }
}

export const apiTokenAuthenticator: Authenticator = {
  async authenticate({ db, bearer, clientIp }) {
    if (!bearer.startsWith(API_TOKEN_PREFIX)) return null;
    try {
      const now = new Date();
      const token = await verifyApiToken({ db, token: bearer, clientIp, now });
      // Its use is counted by the caller (authenticateCached), which knows whether an agent sent it.
      return {
        kind: "api_token",
        userId: token.user.id,
        tokenId: token.tokenId,
        user: token.user,
        scopes: token.scopes,
        expiresAt: token.expiresAt,
        ipAllowList: token.ipAllowList,
      };
    } catch (error) {
      if (error instanceof ApiTokenRefusedError) {
        if (error.code === "FORBIDDEN") throw new CredentialForbiddenError(error.message, error.refusal);
        throw new AuthenticationError(true, error.refusal);
      }
      if (isAppError(error) && error.code === "UNAUTHORIZED") throw new AuthenticationError(true);
      throw error;
    }
  },
};

/**
 * Authenticates the Authorization header with the first authenticator that recognises it.
 * A header that is not `Bearer <token>`, or a token no authenticator knows, is invalid_token.
 */
export async function authenticateRequest(options: {
  db: Db;
  authenticators: readonly Authenticator[];
  authorization: string | undefined;
  clientIp: string | null;
  resource: string;
}): Promise<{ principal: McpPrincipal; authenticator: Authenticator }> {
  if (options.authorization === undefined || options.authorization.trim() === "")
    throw new AuthenticationError(false);
  const bearer = bearerToken(options.authorization);
  if (bearer === null) throw new AuthenticationError(true);
  for (const authenticator of options.authenticators) {
    const principal = await authenticator.authenticate({
      db: options.db,
      bearer,
      clientIp: options.clientIp,
      resource: options.resource,
    });
    if (principal) return { principal, authenticator };
  }
  throw new AuthenticationError(true);
}

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, "")}"`;
}

/** RFC 6750 §3 with RFC 9728 §5.1's resource_metadata (PROTOCOL A1, A5). */
export function wwwAuthenticate(options: {
  resourceMetadataUrl: string;
  error?: "invalid_token" | "insufficient_scope" | "invalid_request";
  description?: string;
}): string {
  const parts = [`resource_metadata=${quoted(options.resourceMetadataUrl)}`];
  if (options.error) parts.push(`error=${quoted(options.error)}`);
  if (options.description) parts.push(`error_description=${quoted(options.description)}`);
  return `Bearer ${parts.join(", ")}`;
}
