import { subjectOf } from "./audit";
import { cancelInFlight, onAgentCancel } from "./cancellations";
import { type Exchange, recordExchange } from "./context";
import { newEventKey } from "./event-ids";
import { filterListResult } from "./filter";
import type { McpHttpResponse } from "./http-types";
import {
  errorResponse,
  exceedsDepth,
  type JsonObject,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  parseMessage,
  serialize,
  UPSTREAM_MAX_DEPTH,
} from "./jsonrpc";
import {
  auditUnavailable,
  describeFailure,
  errorObjectOf,
  type Failure,
  idlessErrorOf,
  isAuditFailure,
  recordAnswer,
  recordRequest,
} from "./outcomes";
import { takePending } from "./pending";
import { isToolAllowed, toolDenialMessage } from "./policy";
import {
  CLIENT_NOTIFICATION_METHODS,
  CLIENT_REQUEST_METHODS,
  isSupportedVersion,
  LATEST_PROTOCOL_VERSION,
  RPC_ERROR,
} from "./protocol";
import { acceptedResponse, BASE_HEADERS, jsonResponse, rpcErrorResponse } from "./responses";
import type { SessionState } from "./session-store";
import { recordCancelled, streamAnswer } from "./streams";
import { Cancellation } from "./upstream/cancellation";
import type { UpstreamConnector } from "./upstream/connector";
import { readAll, release, UpstreamFailure, type UpstreamResponse } from "./upstream/http-client";
import { connectorFor } from "./upstream/select";

/**
 * The relay (DESIGN "How a tool call flows", steps 4–5): one agent message in, the upstream's
 * answer out, with the policy applied to what passes and one audit row committed before the final
 * answer is handed to the agent.
 *
 * JSON-RPC ids: the mapping between agent and upstream is 1:1 (one upstream session per downstream
 * session), so ids pass unchanged in both directions: the agent's request ids, the upstream's
 * server-initiated request ids, and the requestId inside notifications/cancelled. The gateway's own
 * requests (re-initializing a lost upstream session) use ids of the form "gatehouse-reinit-<hex>" and
 * their answers never reach the agent.
 */

const MAX_INIT_PARAMS_CHARS = 64 * 1024;

function clientLabel(params: JsonObject): string | null {
  const info = params.clientInfo;
  if (typeof info !== "object" || info === null) return null;
  const { name, version } = info as JsonObject;
  if (typeof name !== "string") return null;
  return (typeof version === "string" ? `${name}/${version}` : name).slice(0, 200);
}

// ---------------------------------------------------------------------------------------------
// initialize
// ---------------------------------------------------------------------------------------------

/**
 * initialize: relayed to the upstream (which opens its own session), answered with a new downstream
 * session. The agent gets the version it asked for when the gateway supports it (else the latest);
 * the upstream may settle on another supported version, and each side is then spoken to in its own.
 */
export async function relayInitialize(exchange: Exchange, message: JsonRpcRequest): Promise<McpHttpResponse> {
  const params = message.params ?? {};
  const requestText = serialize(message);
  if (requestText.length > MAX_INIT_PARAMS_CHARS)
    return rpcErrorResponse(
      400,
      message.id,
      RPC_ERROR.INVALID_PARAMS,
      "The initialize parameters are too large.",
    );
  const version = isSupportedVersion(params.protocolVersion)
    ? params.protocolVersion
    : LATEST_PROTOCOL_VERSION;
  const client = clientLabel(params);
  const record = (outcome: Failure["outcome"] | "OK", responseBody: string, reason: string | null = null) =>
    recordExchange(exchange, {
      action: "mcp.request",
      outcome,
      reason,
      method: "initialize",
      startedAt: exchange.startedAt,
      requestBody: requestText,
      responseBody,
      metadata: { jsonRpcId: message.id, protocolVersion: version, client },
    });

  exchange.deps.audit.assertAvailable();
  const connector = connectorFor(exchange);
  let init: Awaited<ReturnType<UpstreamConnector["initialize"]>>;
  try {
    init = await connector.initialize(message.id, { ...params, protocolVersion: version });
  } catch (error) {
    return answerFailure(exchange, message, requestText, error);
  }
  const { response, upstreamSessionId } = init;
  if (response.error !== undefined) {
    const text = serialize(response);
    await record("UPSTREAM_ERROR", text, `upstream JSON-RPC error ${response.error.code}`);
    return jsonResponse(200, text);
  }
  const upstreamVersion = response.result.protocolVersion;
  if (!isSupportedVersion(upstreamVersion)) {
    if (upstreamSessionId !== null) void connector.delete(upstreamSessionId, version);
    const text = serialize(
      errorResponse(
        message.id,
        RPC_ERROR.UPSTREAM_ERROR,
        `The upstream server answered with MCP version ${JSON.stringify(String(upstreamVersion).slice(0, 40))}, which Gatehouse does not relay.`,
      ),
    );
    await record("UPSTREAM_ERROR", text, "unsupported upstream protocol version");
    return jsonResponse(200, text);
  }

  const state: SessionState = {
    userId: exchange.principal.userId,
    connectionId: exchange.access.connection.id,
    serverId: exchange.access.connection.serverId,
    tokenId: exchange.principal.tokenId,
    protocolVersion: version,
    upstreamSessionId,
    upstreamProtocolVersion: upstreamVersion,
    client,
    initParams: params,
    eventKey: newEventKey(),
    createdAt: Date.now(),
  };
  exchange.sessionId = await exchange.deps.sessions.create(state);
  exchange.state = state;
  const text = serialize({
    kind: "response",
    id: message.id,
    result: { ...response.result, protocolVersion: version },
  });
  try {
    await record("OK", text);
  } catch (error) {
    if (!isAuditFailure(error)) throw error;
    await exchange.deps.sessions.remove(exchange.sessionId).catch(() => null);
    if (upstreamSessionId !== null) void connector.delete(upstreamSessionId, upstreamVersion);
    return auditUnavailable(message.id);
  }
  return jsonResponse(200, text, { "mcp-session-id": exchange.sessionId });
}

// ---------------------------------------------------------------------------------------------
// requests
// ---------------------------------------------------------------------------------------------

/** A denial answered as a JSON-RPC error with the request's id, audited first. */
async function deny(
  exchange: Exchange,
  message: JsonRpcRequest,
  code: number,
  reason: string,
  text: string,
  data?: Record<string, unknown>,
): Promise<McpHttpResponse> {
  return answerAudited(exchange, message, serialize(errorResponse(message.id, code, text, data)), {
    outcome: "DENIED",
    reason,
    requestBody: serialize(message),
  });
}

/** Answers `body` (200, JSON) once its audit is committed; 503 when the audit store is down. */
async function answerAudited(
  exchange: Exchange,
  message: JsonRpcRequest,
  body: string,
  end: Omit<Parameters<typeof recordRequest>[2], "responseBody">,
): Promise<McpHttpResponse> {
  try {
    await recordRequest(exchange, message, { ...end, responseBody: body });
  } catch (error) {
    if (isAuditFailure(error)) return auditUnavailable(message.id);
    throw error;
  }
  return jsonResponse(200, body);
}

export async function relayRequest(exchange: Exchange, message: JsonRpcRequest): Promise<McpHttpResponse> {
  const { method } = message;
  if (!CLIENT_REQUEST_METHODS.has(method))
    return deny(
      exchange,
      message,
      RPC_ERROR.METHOD_NOT_FOUND,
      "method_not_found",
      `Method not found: ${JSON.stringify(method.slice(0, 100))}.`,
    );
  if (method === "tools/call") {
    const name = message.params?.name;
    if (typeof name !== "string")
      return deny(
        exchange,
        message,
        RPC_ERROR.INVALID_PARAMS,
        "invalid_params",
        "tools/call needs params.name (the tool to call).",
      );
    if (!isToolAllowed(exchange.access, name))
      return deny(
        exchange,
        message,
        RPC_ERROR.FORBIDDEN,
        "tool_not_allowed",
        toolDenialMessage(exchange.access, name),
        {
          reason: "tool_not_allowed",
          tool: name,
        },
      );
  }

  exchange.deps.audit.assertAvailable();
  const requestText = serialize(message);
  const connector = connectorFor(exchange);
  // Until the answer starts streaming (streamAnswer then takes over), the agent's cancellation
  // abandons the upstream request here: its answer would never come.
  const cancel: AgentCancel = { requested: false, abort: new Cancellation(), upstream: null };
  const forgetCancel =
    exchange.sessionId === null
      ? null
      : onAgentCancel(exchange.deps, exchange.sessionId, message.id, () => {
          cancel.requested = true;
          cancel.abort.abort();
          cancel.upstream?.destroy();
        });
  try {
    return await relayToUpstream(exchange, message, requestText, connector, cancel);
  } finally {
    // A stream answer has registered its own by now (streamAnswer); nothing else waits.
    forgetCancel?.();
  }
}

/** The agent's cancellation of a request whose answer has not started streaming. */
type AgentCancel = { requested: boolean; abort: Cancellation; upstream: UpstreamResponse | null };

/** The answer to a request the agent cancelled: audited as CANCELLED, answered with an error. */
async function answerCancelled(
  exchange: Exchange,
  message: JsonRpcRequest,
  requestText: string,
): Promise<McpHttpResponse> {
  await recordCancelled(exchange, message, requestText);
  return jsonResponse(
    200,
    serialize(errorResponse(message.id, RPC_ERROR.REQUEST_CANCELLED, "The request was cancelled.")),
  );
}

async function relayToUpstream(
  exchange: Exchange,
  message: JsonRpcRequest,
  requestText: string,
  connector: UpstreamConnector,
  cancel: AgentCancel,
): Promise<McpHttpResponse> {
  let upstream: UpstreamResponse;
  try {
    upstream = await connector.withRecovery(() => connector.post(requestText, { signal: cancel.abort }));
  } catch (error) {
    return cancel.requested
      ? answerCancelled(exchange, message, requestText)
      : answerFailure(exchange, message, requestText, error);
  }
  cancel.upstream = upstream;
  if (upstream.status === 200 && upstream.mediaType === "text/event-stream")
    return streamAnswer(exchange, message, requestText, upstream);
  if (upstream.status === 200 && upstream.mediaType === "application/json") {
    let text: string;
    try {
      text = await readAll(upstream.body);
    } catch (error) {
      return cancel.requested
        ? answerCancelled(exchange, message, requestText)
        : answerFailure(exchange, message, requestText, error);
    }
    const parsed = parseMessage(text, UPSTREAM_MAX_DEPTH);
    if (!parsed.ok || parsed.message.kind !== "response" || parsed.message.id !== message.id) {
      const idless = idlessErrorOf(text);
      if (idless !== null)
        return answerJson(
          exchange,
          message,
          requestText,
          errorResponse(message.id, idless.code, idless.message, idless.data),
        );
      return answerFailure(
        exchange,
        message,
        requestText,
        new UpstreamFailure("protocol", "The upstream's answer is not a JSON-RPC response to the request."),
      );
    }
    return answerJson(exchange, message, requestText, parsed.message);
  }
  return answerHttpError(exchange, message, requestText, upstream);
}

/** The final answer as JSON: filtered, audited, then handed out. */
async function answerJson(
  exchange: Exchange,
  message: JsonRpcRequest,
  requestText: string,
  response: JsonRpcResponse,
): Promise<McpHttpResponse> {
  const text = serialize(filterListResult(message.method, response, exchange.access));
  try {
    await recordAnswer(exchange, {
      method: message.method,
      subject: subjectOf(message.method, message.params),
      id: message.id,
      startedAt: exchange.startedAt,
      requestText,
      responseText: text,
      response,
    });
  } catch (error) {
    if (isAuditFailure(error)) return auditUnavailable(message.id);
    throw error;
  }
  return jsonResponse(200, text);
}

/** The upstream failed (unreachable, refused by the SSRF guard, timed out, too large, broke protocol). */
async function answerFailure(
  exchange: Exchange,
  message: JsonRpcRequest,
  requestText: string,
  error: unknown,
): Promise<McpHttpResponse> {
  const failure = describeFailure(error);
  return answerAudited(
    exchange,
    message,
    serialize(errorResponse(message.id, failure.code, failure.message)),
    {
      outcome: failure.outcome,
      reason: failure.message,
      requestBody: requestText,
    },
  );
}

/** A non-200 answer to a request: its JSON-RPC error when it carries one for this id, else a generic one. */
async function answerHttpError(
  exchange: Exchange,
  message: JsonRpcRequest,
  requestText: string,
  upstream: UpstreamResponse,
): Promise<McpHttpResponse> {
  let relayed: JsonRpcResponse | null = null;
  if (upstream.mediaType === "application/json") {
    try {
      // Transport-level errors often carry `id: null` (the upstream could not read the id), so the
      // error object is taken on its own and answered with the request's id.
      const text = await readAll(upstream.body);
      const error = exceedsDepth(text, UPSTREAM_MAX_DEPTH) ? null : errorObjectOf(JSON.parse(text));
      if (error !== null) relayed = errorResponse(message.id, error.code, error.message, error.data);
    } catch {
      relayed = null;
    }
  }
  upstream.destroy();
  const response =
    relayed ??
    errorResponse(
      message.id,
      RPC_ERROR.UPSTREAM_ERROR,
      `The upstream server answered HTTP ${upstream.status}.`,
      { upstreamStatus: upstream.status },
    );
  return answerAudited(exchange, message, serialize(response), {
    outcome: "UPSTREAM_ERROR",
    reason: `upstream HTTP ${upstream.status}`,
    requestBody: requestText,
    metadata: { upstreamStatus: upstream.status },
  });
}

// ---------------------------------------------------------------------------------------------
// notifications and responses from the agent
// ---------------------------------------------------------------------------------------------

export async function relayNotification(
  exchange: Exchange,
  message: JsonRpcNotification,
): Promise<McpHttpResponse> {
  const text = serialize(message);
  const record = (outcome: "OK" | "DENIED" | "UPSTREAM_ERROR" | "TIMEOUT" | "ERROR", reason: string | null) =>
    recordExchange(exchange, {
      action: "mcp.notification",
      outcome,
      reason,
      method: message.method,
      subject: subjectOf(message.method, message.params),
      startedAt: exchange.startedAt,
      requestBody: text,
      metadata: { direction: "agent-to-upstream" },
    });
  try {
    if (!CLIENT_NOTIFICATION_METHODS.has(message.method)) {
      // Notifications get no error answers (JSON-RPC); an unknown one is acknowledged, not relayed.
      await record("DENIED", "notification_not_relayed");
      return acceptedResponse();
    }
    exchange.deps.audit.assertAvailable();
    const connector = connectorFor(exchange);
    let status: number;
    try {
      const upstream = await connector.withRecovery(() => connector.post(text));
      release(upstream);
      status = upstream.status;
    } catch (error) {
      const failure = describeFailure(error);
      await record(failure.outcome, failure.message);
      return rpcErrorResponse(failure.outcome === "TIMEOUT" ? 504 : 502, null, failure.code, failure.message);
    }
    if (status < 200 || status > 299) {
      await record("UPSTREAM_ERROR", `upstream HTTP ${status}`);
      return rpcErrorResponse(
        502,
        null,
        RPC_ERROR.UPSTREAM_ERROR,
        `The upstream server refused the notification (HTTP ${status}).`,
      );
    }
    await record("OK", null);
    // The upstream was told first (it stops, and answers nothing); then the relay waiting for that
    // answer ends, in whichever instance holds it.
    const cancelledId = message.params?.requestId;
    if (
      message.method === "notifications/cancelled" &&
      exchange.sessionId !== null &&
      (typeof cancelledId === "string" || typeof cancelledId === "number")
    )
      await cancelInFlight(exchange.deps, exchange.sessionId, cancelledId);
    return acceptedResponse();
  } catch (error) {
    if (isAuditFailure(error)) return auditUnavailable(null);
    throw error;
  }
}

/** The agent's answer to a server-initiated request: relayed to the upstream, audited as one pair. */
export async function relayAgentResponse(
  exchange: Exchange,
  message: JsonRpcResponse,
): Promise<McpHttpResponse> {
  const text = serialize(message);
  try {
    exchange.deps.audit.assertAvailable();
    const pending = await takePending(exchange, "server", message.id);
    const connector = connectorFor(exchange);
    let status: number | null = null;
    let failure: Failure | null = null;
    try {
      const upstream = await connector.withRecovery(() => connector.post(text));
      release(upstream);
      status = upstream.status;
    } catch (error) {
      failure = describeFailure(error);
    }
    const isOk = status !== null && status >= 200 && status <= 299;
    await recordExchange(exchange, {
      action: "mcp.request",
      outcome: isOk ? "OK" : (failure?.outcome ?? "UPSTREAM_ERROR"),
      reason: isOk
        ? pending
          ? null
          : "no pending server request with this id"
        : (failure?.message ?? `upstream HTTP ${status}`),
      method: pending?.method ?? null,
      subject: pending?.subject ?? null,
      startedAt: pending?.startedAt ?? exchange.startedAt,
      requestBody: pending?.text ?? null,
      responseBody: text,
      metadata: { jsonRpcId: message.id, direction: "upstream-to-agent" },
    });
    if (isOk) return acceptedResponse();
    return rpcErrorResponse(
      502,
      null,
      failure?.code ?? RPC_ERROR.UPSTREAM_ERROR,
      failure?.message ?? `The upstream server refused the response (HTTP ${status}).`,
    );
  } catch (error) {
    if (isAuditFailure(error)) return auditUnavailable(null);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// DELETE
// ---------------------------------------------------------------------------------------------

/** Ends the session here and upstream (T5); later use of its id is 404. */
export async function closeSession(exchange: Exchange): Promise<McpHttpResponse> {
  const sessionId = exchange.sessionId;
  const state = sessionId === null ? null : await exchange.deps.sessions.remove(sessionId);
  if (state === null) return rpcErrorResponse(404, null, RPC_ERROR.NOT_FOUND, "Session not found.");
  let upstreamStatus: number | null = null;
  if (state.upstreamSessionId !== null)
    upstreamStatus = await connectorFor(exchange).delete(
      state.upstreamSessionId,
      state.upstreamProtocolVersion,
    );
  try {
    await recordExchange(exchange, {
      action: "mcp.session.close",
      outcome: "OK",
      method: "DELETE",
      startedAt: exchange.startedAt,
      metadata: { upstreamStatus },
    });
  } catch (error) {
    // The session is gone either way; the agent learns that the record could not be written.
    if (isAuditFailure(error)) return auditUnavailable(null);
    throw error;
  }
  return { status: 204, headers: { ...BASE_HEADERS }, body: null };
}
