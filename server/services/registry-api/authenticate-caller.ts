import { sessionFromHeaders } from "../../auth/session";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import { can } from "../../policy/permissions";
import { bearerToken } from "../tokens/api-token-format";
import { type ApiTokenScopeEntry, authenticateApiToken } from "../tokens/authenticate-api-token";

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

export async function authenticateRegistryCaller(options: {
  db: Db;
  headers: Headers;
}): Promise<RegistryCaller> {
  const { headers } = options;
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const token = bearerToken(authorization);
    if (token === null) throw new NotAuthenticatedError(true);
    let authenticated: Awaited<ReturnType<typeof authenticateApiToken>>;
    try {
      // x-gatehouse-client-ip is set by our HTTP front from the socket or a trusted proxy only.
      authenticated = await authenticateApiToken({
        db: options.db,
        token,
        clientIp: headers.get("x-gatehouse-client-ip"),
      });
    } catch (error) {
      if (error instanceof AppError && error.code === "UNAUTHORIZED") throw new NotAuthenticatedError(true);
      throw error;
    }
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
