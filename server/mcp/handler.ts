import { isAppError, normalizeError } from "../errors";
import { logger } from "../logger";
import { isConnectionPublicId } from "../services/connections/connection-url";
import { RefusalAuditThrottle } from "../services/tokens/refusal-audit-throttle";
import { type AuditScope, buildAuditRow, subjectOf } from "./audit";
import {
  AuthenticationError,
  CredentialForbiddenError,
  type CredentialRefusal,
  type McpPrincipal,
  wwwAuthenticate,
} from "./authenticate";
import { isBatchText, parseBatch, relayBatch } from "./batch";
import { readBody } from "./body";
import { listenForCancellations } from "./cancellations";
import type { Exchange, McpDeps } from "./context";
import { parseLastEventId } from "./event-ids";
import type { McpHttpRequest, McpHttpResponse } from "./http-types";
import { type JsonRpcMessage, parseMessage, type RequestId, serialize } from "./jsonrpc";
import { type ConnectionAccess, type ConnectionRow, PolicyDenied } from "./policy";
import { accessCached, authenticateCached, chargeRateLimits, rateLimited } from "./policy-cache";
import {
  ALLOWED_HTTP_METHODS,
  isSupportedVersion,
  MCP_PATH_PREFIX,
  PRM_PATH_PREFIX,
  RPC_ERROR,
} from "./protocol";
import { closeSession, relayAgentResponse, relayInitialize, relayNotification, relayRequest } from "./relay";
import {
  acceptsEventStream,
  acceptsPostResponses,
  hasQuery,
  isJsonContentType,
  isOriginAllowed,
  isWellFormedSessionId,
} from "./request-checks";
import { connectionResourceUrl, resourceMetadataUrl, serveResourceMetadata } from "./resource-metadata";
import { BASE_HEADERS, rpcErrorResponse } from "./responses";
import type { SessionState } from "./session-store";
import { relayGetStream, resumeLoggedStream } from "./streams";
import { buildTarget, type UpstreamTarget } from "./upstream/target";

const RELAYED_TRANSPORTS: ReadonlySet<string> = new Set(["STREAMABLE_HTTP", "SSE", "STDIO"]);

/**
 * The MCP endpoint at each connection URL (`/mcp/<publicId>`), behind one transport-neutral
 * handler (DESIGN "Where the proxy runs"). Order of checks on every request:
 *
 * 1. path, Origin (T15), query string (A6), HTTP method (T18), Accept/Content-Type (T7), header shapes;
 * 2. the bearer credential (A1, A3), before any body is read;
 * 3. the connection's policy (owner, scope, grant, state) while the body is read under its limit
 *    (T17) and parsed strictly (T8–T10, X7);
 * 4. the session (T3, T4, T11, A7) and its protocol version (T6);
 * 5. the relay (relay.ts), which audits every exchange before answering.
 *
 * A6, decided here: the endpoint takes no query string at all. A request with one is refused (400,
 * invalid_request) before anything reads it, so a token put in the URL is neither used nor logged
 * (the HTTP front logs paths without queries).
 */

const log = () => logger().child({ component: "mcp" });

export function createMcpHandler(deps: McpDeps): (request: McpHttpRequest) => Promise<McpHttpResponse> {
  listenForCancellations(deps);
  return (request) => route(deps, request);
}

async function route(deps: McpDeps, request: McpHttpRequest): Promise<McpHttpResponse> {
  const startedAt = Date.now();
  if (request.path.startsWith(PRM_PATH_PREFIX)) return serveResourceMetadata(request, deps.publicUrl);
  const publicId = request.path.startsWith(MCP_PATH_PREFIX) ? request.path.slice(MCP_PATH_PREFIX.length) : "";
  if (!isConnectionPublicId(publicId))
    return rpcErrorResponse(404, null, RPC_ERROR.NOT_FOUND, "This connection doesn't exist.");
  if (!isOriginAllowed(request.header("origin"), deps.allowedOrigins))
    return rpcErrorResponse(403, null, RPC_ERROR.FORBIDDEN, "Requests from this origin are not allowed.");
  const metadataUrl = resourceMetadataUrl(deps.publicUrl, publicId);
  if (hasQuery(request))
    return rpcErrorResponse(
      400,
      null,
      RPC_ERROR.INVALID_REQUEST,
      "This endpoint takes no query parameters; send the token in the Authorization header.",
      {
        headers: {
          "www-authenticate": wwwAuthenticate({
            resourceMetadataUrl: metadataUrl,
            error: "invalid_request",
            description: "credentials in the query string are not accepted",
          }),
        },
      },
    );

  const method = request.method;
  if (method === "OPTIONS")
    return { status: 204, headers: { ...BASE_HEADERS, allow: ALLOWED_HTTP_METHODS }, body: null };
  if (method !== "POST" && method !== "GET" && method !== "DELETE")
    return rpcErrorResponse(
      405,
      null,
      RPC_ERROR.INVALID_REQUEST,
      `Method ${method.slice(0, 20)} is not allowed here.`,
      {
        headers: { allow: ALLOWED_HTTP_METHODS },
      },
    );
  if (method === "POST" && !acceptsPostResponses(request.header("accept")))
    return rpcErrorResponse(
      406,
      null,
      RPC_ERROR.INVALID_REQUEST,
      "Not Acceptable: the Accept header must list both application/json and text/event-stream.",
    );
  if (method === "POST" && !isJsonContentType(request.header("content-type")))
    return rpcErrorResponse(
      415,
      null,
      RPC_ERROR.INVALID_REQUEST,
      "Unsupported Media Type: the body must be application/json.",
    );
  if (method === "GET" && !acceptsEventStream(request.header("accept")))
    return rpcErrorResponse(
      406,
      null,
      RPC_ERROR.INVALID_REQUEST,
      "Not Acceptable: the Accept header must list text/event-stream.",
    );
  const versionHeader = request.header("mcp-protocol-version");
  if (versionHeader !== undefined && !isSupportedVersion(versionHeader))
    return rpcErrorResponse(
      400,
      null,
      RPC_ERROR.INVALID_REQUEST,
      `Unsupported MCP-Protocol-Version ${JSON.stringify(versionHeader.slice(0, 40))}.`,
    );
  const sessionId = request.header("mcp-session-id");
  if (sessionId !== undefined && !isWellFormedSessionId(sessionId))
    return rpcErrorResponse(400, null, RPC_ERROR.INVALID_REQUEST, "The Mcp-Session-Id header is malformed.");
  if (method !== "POST" && sessionId === undefined)
    return rpcErrorResponse(
      400,
      null,
      RPC_ERROR.INVALID_REQUEST,
      "Bad Request: the Mcp-Session-Id header is required.",
    );

  let principal: McpPrincipal | null = null;
  let message: JsonRpcMessage | null = null;
  /** a JSON-RPC batch (2025-03-26 sessions only: batch.ts) */
  let batch: JsonRpcMessage[] | null = null;
  /** the connection row, once the policy has read it (for the audit of a denial) */
  const seen: { connection: ConnectionRow | null } = { connection: null };
  try {
    // Credential, access epochs, rate-limit counters and the session: one Redis round trip when the
    // credential is cached (policy-cache.ts).
    const authenticated = await authenticateCached(deps, {
      authorization: request.header("authorization"),
      clientIp: request.clientIp,
      resource: connectionResourceUrl(deps.publicUrl, publicId),
      sessionId,
    });
    principal = authenticated.principal;
    if (authenticated.limited) throw rateLimited(authenticated.limited);
    const signedIn = principal;

    // The policy (cached, or the database's reads), the session lookup, the outbound allow-list and
    // the body's upload overlap; each result is used only after the policy has admitted the request.
    const sessionLookup =
      sessionId === undefined
        ? Promise.resolve(null)
        : authenticated.session !== undefined
          ? Promise.resolve(authenticated.session)
          : deps.sessions.touch(sessionId);
    const accessing = accessCached(deps, {
      principal: signedIn,
      publicId,
      epochs: authenticated.epochs,
      seen,
    });
    // Observed here so an early answer (a denial) leaves no unhandled rejection behind.
    sessionLookup.catch(() => undefined);
    const reading =
      method === "POST" ? readBody(request.body, request.contentLength, deps.maxRequestBytes) : null;
    const [accessResult, bodyResult] = await Promise.allSettled([accessing, reading]);

    let parseFailure: McpHttpResponse | null = null;
    // An upload that broke off (the client went away) is not our failure: nothing to log.
    if (bodyResult.status === "rejected")
      return rpcErrorResponse(400, null, RPC_ERROR.INVALID_REQUEST, "The request body could not be read.");
    const body = bodyResult.value;
    if (body !== null) {
      if (!body.ok && body.reason === "too_large")
        parseFailure = rpcErrorResponse(
          413,
          null,
          RPC_ERROR.INVALID_REQUEST,
          `The body is over the limit of ${deps.maxRequestBytes} bytes.`,
          {
            headers: { connection: "close" },
          },
        );
      else if (!body.ok)
        parseFailure = rpcErrorResponse(
          400,
          null,
          RPC_ERROR.PARSE_ERROR,
          "Parse error: the body is not valid UTF-8.",
        );
      else if (isBatchText(body.text)) {
        const parsed = parseBatch(body.text);
        if (parsed.ok) batch = parsed.messages;
        else parseFailure = rpcErrorResponse(400, parsed.id, parsed.code, parsed.reason);
      } else {
        const parsed = parseMessage(body.text);
        if (parsed.ok) message = parsed.message;
        else parseFailure = rpcErrorResponse(400, parsed.id, parsed.code, parsed.reason);
      }
    }
    if (accessResult.status === "rejected") throw accessResult.reason;
    if (parseFailure !== null) return parseFailure;
    const { access, outboundPolicy } = accessResult.value;

    const requestId: RequestId | null = message?.kind === "request" ? message.id : null;
    // Streamable HTTP, legacy HTTP+SSE and stdio are relayed (upstream/select.ts); anything else is not.
    if (!RELAYED_TRANSPORTS.has(access.version.transport))
      return rpcErrorResponse(
        501,
        requestId,
        RPC_ERROR.TRANSPORT_UNSUPPORTED,
        "This server's transport is not relayed by the proxy.",
      );
    const target = targetOf(access.connection);
    if (target === null)
      throw new PolicyDenied(
        "connection_not_configured",
        403,
        "This connection needs configuration before use; finish it in Gatehouse.",
      );

    const exchange: Exchange = {
      deps,
      request,
      startedAt,
      publicId,
      principal,
      authenticator: authenticated.authenticator,
      access,
      target,
      outboundPolicy,
      sessionId: null,
      state: null,
    };
    if (batch !== null) {
      // The request counted once; each further message of the batch counts too.
      const limited = await chargeRateLimits(deps, principal, batch.length - 1);
      if (limited !== null) throw rateLimited(limited);
      return await dispatchBatch(exchange, batch, sessionId, sessionLookup);
    }
    return await dispatch(exchange, message, sessionId, sessionLookup);
  } catch (error) {
    return failureResponse(deps, request, error, {
      metadataUrl,
      publicId,
      principal,
      connection: seen.connection,
      message,
    });
  }
}

// The dial target per cached connection row: a row is replaced (and this entry dropped with it)
// whenever an access epoch moves, so the target never outlives the data it was built from. It holds
// the opened upstream credential only in memory, as the outbound request does.
const targets = new WeakMap<ConnectionRow, UpstreamTarget | null>();
function targetOf(connection: ConnectionRow): UpstreamTarget | null {
  let target = targets.get(connection);
  if (target === undefined) {
    target = buildTarget(connection);
    targets.set(connection, target);
  }
  return target;
}

async function findSession(
  exchange: Exchange,
  lookup: Promise<SessionState | null>,
): Promise<SessionState | null> {
  const state = await lookup;
  // Another user's or another connection's session is answered as unknown (A7).
  if (
    state === null ||
    state.userId !== exchange.principal.userId ||
    state.connectionId !== exchange.access.connection.id
  )
    return null;
  return state;
}

async function dispatch(
  exchange: Exchange,
  message: JsonRpcMessage | null,
  sessionId: string | undefined,
  sessionLookup: Promise<SessionState | null>,
): Promise<McpHttpResponse> {
  const { request } = exchange;
  const requestId = message?.kind === "request" ? message.id : null;

  if (message?.kind === "request" && message.method === "initialize") {
    if (sessionId !== undefined) {
      if ((await findSession(exchange, sessionLookup)) === null) throw sessionNotFound();
      return rpcErrorResponse(
        400,
        requestId,
        RPC_ERROR.INVALID_REQUEST,
        "Invalid Request: this session is already initialized.",
      );
    }
    return relayInitialize(exchange, message);
  }

  if (sessionId === undefined)
    return rpcErrorResponse(
      400,
      requestId,
      RPC_ERROR.INVALID_REQUEST,
      "Bad Request: the Mcp-Session-Id header is required (initialize first).",
    );
  const state = await findSession(exchange, sessionLookup);
  if (state === null) throw sessionNotFound();
  // An unsupported version was refused above. A supported one that differs from the negotiated
  // version is accepted, as the spec asks only for invalid or unsupported ones to be refused (the
  // official conformance suite sends such requests); the session keeps its negotiated version.
  exchange.sessionId = sessionId;
  exchange.state = state;

  if (request.method === "DELETE") return closeSession(exchange);
  if (request.method === "GET") {
    const lastEventId = request.header("last-event-id");
    let upstreamLastEventId: string | undefined;
    if (lastEventId !== undefined) {
      const point = parseLastEventId(state.eventKey, state.upstreamSessionId, lastEventId);
      if (point.kind === "invalid")
        return rpcErrorResponse(
          400,
          null,
          RPC_ERROR.INVALID_REQUEST,
          "Last-Event-ID does not belong to this session, or its stream can no longer be resumed.",
        );
      if (point.kind === "gateway") return resumeLoggedStream(exchange, point);
      upstreamLastEventId = point.upstreamId;
    }
    return relayGetStream(exchange, upstreamLastEventId);
  }
  if (message === null) return rpcErrorResponse(400, null, RPC_ERROR.INVALID_REQUEST, "Empty body.");
  switch (message.kind) {
    case "request":
      return relayRequest(exchange, message);
    case "notification":
      return relayNotification(exchange, message);
    case "response":
      return relayAgentResponse(exchange, message);
  }
}

async function dispatchBatch(
  exchange: Exchange,
  messages: JsonRpcMessage[],
  sessionId: string | undefined,
  sessionLookup: Promise<SessionState | null>,
): Promise<McpHttpResponse> {
  if (sessionId === undefined)
    return rpcErrorResponse(
      400,
      null,
      RPC_ERROR.INVALID_REQUEST,
      "Bad Request: the Mcp-Session-Id header is required (initialize first, never in a batch).",
    );
  const state = await findSession(exchange, sessionLookup);
  if (state === null) throw sessionNotFound();
  exchange.sessionId = sessionId;
  exchange.state = state;
  return relayBatch(exchange, messages);
}

/** Unknown, expired, or another user's or connection's session (A7): 404, audited as a denial. */
function sessionNotFound(): PolicyDenied {
  return new PolicyDenied("session_not_found", 404, "Session not found: initialize a new session.");
}

/** Authentication, policy and dependency failures, answered in one place (and denials audited). */
async function failureResponse(
  deps: McpDeps,
  request: McpHttpRequest,
  error: unknown,
  known: {
    metadataUrl: string;
    publicId: string;
    principal: McpPrincipal | null;
    connection: ConnectionRow | null;
    message: JsonRpcMessage | null;
  },
): Promise<McpHttpResponse> {
  const id = known.message?.kind === "request" ? known.message.id : null;
  if (
    (error instanceof AuthenticationError || error instanceof CredentialForbiddenError) &&
    error.refusal !== null
  ) {
    try {
      await auditRefusal(deps, request, known.publicId, error.refusal, error.httpStatus);
    } catch (auditError) {
      if (isAppError(auditError) && auditError.code === "UNAVAILABLE")
        return rpcErrorResponse(503, id, RPC_ERROR.UNAVAILABLE, auditError.message);
      throw auditError;
    }
  }
  if (error instanceof AuthenticationError)
    return rpcErrorResponse(401, null, RPC_ERROR.UNAUTHORIZED, error.message, {
      headers: {
        "www-authenticate": wwwAuthenticate({
          resourceMetadataUrl: known.metadataUrl,
          ...(error.presented && { error: "invalid_token" as const }),
        }),
      },
    });
  if (error instanceof CredentialForbiddenError)
    // A5 and DESIGN step 5: a valid token that may not be used here is a 403 with a Bearer
    // challenge. insufficient_scope is RFC 6750's only 403 code: the token's own restriction (its
    // address allow-list) does not cover this request; the description says which.
    return rpcErrorResponse(403, id, RPC_ERROR.FORBIDDEN, error.message, {
      data: { reason: error.refusal.reason },
      headers: {
        "www-authenticate": wwwAuthenticate({
          resourceMetadataUrl: known.metadataUrl,
          error: "insufficient_scope",
          description: "this token may not be used from this network address",
        }),
      },
    });
  if (error instanceof PolicyDenied) {
    if (known.principal) {
      try {
        await auditDenial(deps, request, known.principal, known.connection, known.message, error);
      } catch (auditError) {
        if (isAppError(auditError) && auditError.code === "UNAVAILABLE")
          return rpcErrorResponse(503, id, RPC_ERROR.UNAVAILABLE, auditError.message);
        throw auditError;
      }
    }
    const headers: Record<string, string> =
      error.reason === "insufficient_scope"
        ? {
            "www-authenticate": wwwAuthenticate({
              resourceMetadataUrl: known.metadataUrl,
              error: "insufficient_scope",
            }),
          }
        : error.retryAfterSeconds !== undefined
          ? { "retry-after": String(error.retryAfterSeconds) }
          : {};
    return rpcErrorResponse(
      error.status,
      id,
      error.status === 404 ? RPC_ERROR.NOT_FOUND : RPC_ERROR.FORBIDDEN,
      error.message,
      {
        data: { reason: error.reason },
        headers,
      },
    );
  }
  const normalized = normalizeError(error);
  if (isAppError(normalized)) {
    if (normalized.code === "UNAVAILABLE") {
      log().warn(
        { err: { message: normalized.message }, requestId: request.requestId },
        "MCP request refused: a dependency is unavailable",
      );
      return rpcErrorResponse(503, id, RPC_ERROR.UNAVAILABLE, normalized.message, {
        headers: { "retry-after": "5" },
      });
    }
    if (normalized.code === "FORBIDDEN")
      return rpcErrorResponse(403, id, RPC_ERROR.FORBIDDEN, normalized.message);
    if (normalized.code === "UNAUTHORIZED")
      return rpcErrorResponse(401, null, RPC_ERROR.UNAUTHORIZED, normalized.message, {
        headers: {
          "www-authenticate": wwwAuthenticate({
            resourceMetadataUrl: known.metadataUrl,
            error: "invalid_token",
          }),
        },
      });
  }
  log().error({ err: error, requestId: request.requestId }, "MCP request failed");
  return rpcErrorResponse(
    500,
    id,
    RPC_ERROR.INTERNAL_ERROR,
    "Something went wrong on our side. The error has been logged.",
  );
}

const refusalAudits = new RefusalAuditThrottle();

/** The Mcp-Session-Id a refused request presented, for its audit row: only a well-formed one. */
function presentedSessionId(request: McpHttpRequest): string | null {
  const value = request.header("mcp-session-id");
  return value !== undefined && isWellFormedSessionId(value) ? value : null;
}

/**
 * Audits the refusal of a credential that matched a stored one (DESIGN: a denial is audited too),
 * bounded per credential by RefusalAuditThrottle. The body was not read yet and the Authorization
 * header is never stored, so the row holds no secret; the connection URL's publicId is recorded as
 * presented (not looked up: a refusal loop must not cost database reads).
 */
async function auditRefusal(
  deps: McpDeps,
  request: McpHttpRequest,
  publicId: string,
  refusal: CredentialRefusal,
  httpStatus: number,
): Promise<void> {
  const startedAt = Date.now();
  const scope: AuditScope = {
    userId: refusal.userId,
    tokenId: refusal.tokenId,
    serverId: null,
    connectionId: null,
    sessionId: presentedSessionId(request),
    client: null,
    clientIp: request.clientIp,
    userAgent: request.header("user-agent") ?? null,
    requestId: request.requestId,
  };
  await refusalAudits.record(refusal, startedAt, (skipped) =>
    deps.audit.write(
      buildAuditRow(
        scope,
        {
          action: "mcp.auth.denied",
          outcome: "DENIED",
          reason: refusal.reason,
          method: request.method,
          startedAt,
          metadata: { httpStatus, publicId, ...(skipped > 0 && { refusalsNotRecorded: skipped }) },
        },
        deps.keyring(),
        deps.auditBodyMaxBytes,
      ),
    ),
  );
}

async function auditDenial(
  deps: McpDeps,
  request: McpHttpRequest,
  principal: McpPrincipal,
  connection: ConnectionRow | null,
  message: JsonRpcMessage | null,
  denial: PolicyDenied,
): Promise<void> {
  // Someone else's connection stays anonymous in the row: it is not the caller's to learn about.
  const own = connection !== null && connection.userId === principal.userId ? connection : null;
  const scope: AuditScope = {
    userId: principal.userId,
    tokenId: principal.tokenId,
    serverId: own?.serverId ?? null,
    connectionId: own?.id ?? null,
    sessionId: presentedSessionId(request),
    client: null,
    clientIp: request.clientIp,
    userAgent: request.header("user-agent") ?? null,
    requestId: request.requestId,
  };
  const method = message?.kind === "response" ? null : (message?.method ?? null);
  await deps.audit.write(
    buildAuditRow(
      scope,
      {
        action: message?.kind === "notification" ? "mcp.notification" : "mcp.request",
        outcome: "DENIED",
        reason: denial.reason,
        method: method ?? request.method,
        subject: message && message.kind !== "response" ? subjectOf(message.method, message.params) : null,
        startedAt: Date.now(),
        requestBody: message ? serialize(message) : null,
        metadata: { httpStatus: denial.status },
      },
      deps.keyring(),
      deps.auditBodyMaxBytes,
    ),
  );
}

export type { ConnectionAccess };
