import { db } from "../../db";
import { env } from "../../env";
import { isAppError, normalizeError, toHttpError } from "../../errors";
import { logger } from "../../logger";
import {
  authenticateRegistryCaller,
  NotAuthenticatedError,
  type RegistryCaller,
} from "./authenticate-caller";
import { chargeRegistryCall } from "./rate-limit";

/**
 * The HTTP edge of the Registry API (/v0.1/…): authentication, CORS, and errors in the registry's
 * own shape `{ "error": "<message>" }` (the official OpenAPI document's error body), always JSON.
 *
 * CORS: IDE and agent clients call this from other origins with a bearer token, so those responses
 * allow any origin. Credentials are never allowed (no Access-Control-Allow-Credentials), and a
 * response to a request authenticated by the session cookie carries no CORS header at all: what a
 * browser session can see is readable by our own pages only.
 */
export const ALLOWED_METHODS = "GET, HEAD, OPTIONS";
const PREFLIGHT_MAX_AGE_SECONDS = 7200; // Chromium's cap
const REALM = 'Bearer realm="gatehouse"';

function baseHeaders(allowCors: boolean): Headers {
  const headers = new Headers({
    "content-type": "application/json; charset=utf-8",
    // Entries are personal (connection URLs): never stored by shared caches.
    "cache-control": "no-store",
    vary: "Authorization, Cookie",
  });
  if (allowCors) {
    headers.set("access-control-allow-origin", "*");
    headers.set("access-control-expose-headers", "WWW-Authenticate, Retry-After");
  }
  return headers;
}

function errorResponse(error: unknown, allowCors: boolean): Response {
  const normalized = normalizeError(error);
  const { status, body } = toHttpError(normalized);
  const headers = baseHeaders(allowCors);
  const retryAfter = isAppError(normalized) ? normalized.details?.retryAfterSeconds : undefined;
  if (status === 429 && typeof retryAfter === "number") headers.set("retry-after", String(retryAfter));
  if (status === 401) {
    const presented = normalized instanceof NotAuthenticatedError && normalized.presented;
    headers.set("www-authenticate", presented ? `${REALM}, error="invalid_token"` : REALM);
  }
  if (status >= 500) {
    // The detail goes to the log (never to the client); nothing secret is in an error here.
    const log = logger().child({ component: "registry-api" });
    if (status === 503) log.warn({ err: normalized }, "registry API: a dependency is unavailable");
    else log.error({ err: normalized }, "registry API: unexpected error");
  }
  return new Response(JSON.stringify({ error: String(body.error.message) }), { status, headers });
}

export type RegistryRequest = { request: Request; url: URL; caller: RegistryCaller; publicUrl: string };

/** A GET handler that requires a caller and answers `handle`'s result as JSON. */
export function registryApiRoute(
  handle: (request: RegistryRequest) => Promise<unknown>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    let allowCors = true;
    try {
      const caller = await authenticateRegistryCaller({ db: db(), headers: request.headers });
      allowCors = caller.authenticatedBy === "token";
      await chargeRegistryCall(caller);
      const body = await handle({
        request,
        url: new URL(request.url),
        caller,
        publicUrl: env().GATEHOUSE_PUBLIC_URL,
      });
      return new Response(JSON.stringify(body), { status: 200, headers: baseHeaders(allowCors) });
    } catch (error) {
      return errorResponse(error, allowCors);
    }
  };
}

/** CORS preflight: any origin may send GET with Authorization; credentials are never allowed. */
export function registryPreflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      allow: ALLOWED_METHODS,
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, HEAD",
      "access-control-allow-headers": "Authorization, Content-Type",
      "access-control-max-age": String(PREFLIGHT_MAX_AGE_SECONDS),
      "cache-control": "no-store",
    },
  });
}

/** The Registry API is read-only here: every other method is a 405 naming the allowed ones. */
export function registryMethodNotAllowed(): Response {
  const headers = baseHeaders(true);
  headers.set("allow", ALLOWED_METHODS);
  return new Response(JSON.stringify({ error: "Method not allowed. This registry is read-only." }), {
    status: 405,
    headers,
  });
}

/** Unknown paths under /v0.1 answer JSON like every other error of the API, not the HTML 404 page. */
export function registryNotFound(): Response {
  return new Response(JSON.stringify({ error: "Not found." }), { status: 404, headers: baseHeaders(true) });
}
