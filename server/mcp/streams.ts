import { setTimeout as delay } from "node:timers/promises";
import { logger } from "../logger";
import { subjectOf } from "./audit";
import { AUDIT_UNAVAILABLE_MESSAGE } from "./audit-writer";
import { onAgentCancel } from "./cancellations";
import { type Exchange, recordExchange } from "./context";
import { upstreamEventId } from "./event-ids";
import {
  EVENT_LOG_POLL_MAX_MS,
  EVENT_LOG_POLL_MS,
  EVENT_LOG_TTL_MS,
  EventLogReader,
  StreamEventLog,
} from "./event-log";
import { filterListResult, guessListMethod } from "./filter";
import type { McpHttpResponse, StreamSink } from "./http-types";
import { errorResponse, type JsonRpcRequest, parseMessage, serialize, UPSTREAM_MAX_DEPTH } from "./jsonrpc";
import { describeFailure, idlessErrorOf, isAuditFailure, recordAnswer, recordRequest } from "./outcomes";
import { rememberPending, takePending } from "./pending";
import { PolicyDenied } from "./policy";
import { recheckAccess } from "./policy-cache";
import { RPC_ERROR } from "./protocol";
import { connectionResourceUrl } from "./resource-metadata";
import { BASE_HEADERS, rpcErrorResponse } from "./responses";
import { formatSseEvent, SSE_HEADERS, type SseEvent, SseEventTooLargeError, SseParser } from "./sse";
import { UpstreamFailure, type UpstreamResponse } from "./upstream/http-client";
import { connectorFor } from "./upstream/select";

/**
 * SSE relaying: an upstream's answer stream to one POST, and the upstream's standalone GET stream,
 * passed to the agent event by event as they arrive. Every message is audited before it is
 * written; every event the agent gets carries an id (event-ids.ts); a server-side close is preceded
 * by `retry:` (T13). Open streams re-check their credential and policy and close on revocation (A9).
 */

/**
 * Upstream answers to a GET stream request that are passed to the agent as they are: 400 (e.g. a
 * Last-Event-ID it cannot replay from) and 409 (e.g. a second standalone stream). A 404 is a lost
 * upstream session, recovered before this (connector.withRecovery); anything else is a 502.
 */
const PASSED_ON_GET_REFUSALS: ReadonlySet<number> = new Set([400, 409]);

/** What an agent is told to wait before reconnecting after the gateway ends a stream (T13). */
const RETRY_MS = 1_000;

type StreamContext = {
  exchange: Exchange;
  sink: StreamSink;
  /** the agent request a POST stream answers; null on GET streams */
  request: { message: JsonRpcRequest; text: string } | null;
  /**
   * Who makes this stream resumable, decided by its first event (event-ids.ts): the upstream, when
   * that event carries an id (or on GET streams, which the gateway does not keep), else the gateway.
   */
  resumption: "undecided" | "upstream" | "gateway";
  /** the gateway's record of a POST stream on a session (event-log.ts) */
  log: StreamEventLog | null;
};

function streamContext(
  exchange: Exchange,
  sink: StreamSink,
  request: StreamContext["request"],
): StreamContext {
  const log =
    request !== null && exchange.sessionId !== null ? new StreamEventLog(exchange, exchange.sessionId) : null;
  return { exchange, sink, request, resumption: "undecided", log };
}

function upstreamIdOf(context: StreamContext, upstreamId: string | undefined): string | undefined {
  const state = context.exchange.state;
  if (upstreamId === undefined || upstreamId === "" || state === null) return undefined;
  return upstreamEventId(state.eventKey, state.upstreamSessionId, upstreamId);
}

/** Writes an event before the stream's answer, with an id where the agent can resume from it. */
async function writeEvent(
  context: StreamContext,
  upstreamId: string | undefined,
  data: string,
  retry?: number,
): Promise<void> {
  if (context.resumption === "undecided")
    context.resumption = upstreamId !== undefined || context.log === null ? "upstream" : "gateway";
  const id =
    context.resumption === "gateway" && context.log !== null
      ? await context.log.append(data)
      : upstreamIdOf(context, upstreamId);
  await writeSse(context.sink, id, data, retry);
}

function writeSse(sink: StreamSink, id: string | undefined, data: string, retry?: number): Promise<void> {
  return sink.write(
    formatSseEvent({ ...(id !== undefined && { id }), data, ...(retry !== undefined && { retry }) }),
  );
}

/**
 * Writes the stream's answer, its last event: kept in the gateway's record when there is one (a
 * resumed stream replays it), with the upstream's id when it sent one, else without an id.
 */
async function writeAnswer(
  context: StreamContext,
  upstreamId: string | undefined,
  data: string,
  retry?: number,
): Promise<void> {
  let id: string | undefined;
  if (context.resumption === "gateway" && context.log !== null) await context.log.end(data);
  else id = upstreamIdOf(context, upstreamId);
  await writeSse(context.sink, id, data, retry);
}

/**
 * Relays one upstream event; true when it was the final answer to the stream's request. Every
 * message is audited before it is written (a failing audit store throws and ends the stream).
 */
async function relayEvent(context: StreamContext, event: SseEvent): Promise<boolean> {
  const { exchange } = context;
  if (event.data === "") {
    // A priming event (id, maybe retry, no data): relayed so the agent can resume (2025-11-25). A
    // retry alone is passed on as it is, deciding nothing about who makes the stream resumable.
    if (event.id !== undefined) await writeEvent(context, event.id, "", event.retry);
    else if (event.retry !== undefined) await context.sink.write(`retry: ${event.retry}\n\n`);
    return false;
  }
  const parsed = parseMessage(event.data, UPSTREAM_MAX_DEPTH);
  const idless = !parsed.ok && context.request !== null ? idlessErrorOf(event.data) : null;
  if (idless !== null && context.request !== null) {
    // An error without an id on a POST stream: the answer to the stream's request.
    const { message: request } = context.request;
    const answer = errorResponse(request.id, idless.code, idless.message, idless.data);
    return relayEvent(context, { ...event, data: serialize(answer) });
  }
  if (!parsed.ok) {
    logger()
      .child({ component: "mcp" })
      .warn(
        { connectionId: exchange.access.connection.id, reason: parsed.reason },
        "dropped an invalid upstream message",
      );
    return false;
  }
  const message = parsed.message;

  if (message.kind === "response") {
    const request = context.request;
    if (request !== null && message.id === request.message.id) {
      const text = serialize(filterListResult(request.message.method, message, exchange.access));
      await recordAnswer(exchange, {
        method: request.message.method,
        subject: subjectOf(request.message.method, request.message.params),
        id: message.id,
        startedAt: exchange.startedAt,
        requestText: request.text,
        responseText: text,
        response: message,
      });
      await writeAnswer(context, event.id, text, event.retry);
      return true;
    }
    // An answer to a request relayed earlier (a resumed stream): its method tells how to filter it.
    const open = await takePending(exchange, "open", message.id);
    const method = open?.method ?? guessListMethod(message);
    const text = serialize(method === null ? message : filterListResult(method, message, exchange.access));
    await recordAnswer(exchange, {
      method: open?.method ?? null,
      subject: open?.subject ?? null,
      id: message.id,
      startedAt: open?.startedAt ?? Date.now(),
      requestText: open?.text ?? null,
      responseText: text,
      response: message,
      resumed: true,
    });
    await writeEvent(context, event.id, text, event.retry);
    return false;
  }

  const text = serialize(message);
  if (message.kind === "request") {
    // Server-initiated (sampling, elicitation, roots): remembered so the agent's reply is audited as
    // a pair, and audited now as sent, so a request the agent never answers is on record too.
    const subject = subjectOf(message.method, message.params);
    await rememberPending(exchange, "server", message.id, {
      method: message.method,
      subject,
      startedAt: Date.now(),
      text,
    });
    await recordExchange(exchange, {
      action: "mcp.request",
      outcome: "OK",
      reason: "answer pending: sent to the agent",
      method: message.method,
      subject,
      startedAt: Date.now(),
      requestBody: text,
      metadata: { direction: "upstream-to-agent", answerPending: true, jsonRpcId: message.id },
    });
  } else {
    await recordExchange(exchange, {
      action: "mcp.notification",
      outcome: "OK",
      method: message.method,
      subject: subjectOf(message.method, message.params),
      startedAt: Date.now(),
      requestBody: text,
      metadata: { direction: "upstream-to-agent", stream: context.request === null ? "get" : "post" },
    });
  }
  await writeEvent(context, event.id, text, event.retry);
  return false;
}

/** Is the credential still valid and the connection still allowed (open streams, A9)? */
/** Consecutive re-checks that could not run (Redis down) before a stream is closed anyway. */
const MAX_UNVERIFIABLE_CHECKS = 3;

/**
 * Keep-alive comments and periodic re-authorization of an open stream. Returns a stop function.
 * Re-checks are spread at random over ±50% of the interval, so streams opened together (an agent
 * fleet reconnecting) do not come due together; they use the cached policy (recheckAccess). A denial
 * closes the stream; a check that cannot run is retried, and the stream closes after
 * MAX_UNVERIFIABLE_CHECKS in a row (fail closed, without closing thousands of streams on one blip).
 */
function guardStream(exchange: Exchange, sink: StreamSink, onRevoked: () => void): () => void {
  const { deps } = exchange;
  const keepAlive = setInterval(() => void sink.write(": keep-alive\n\n"), deps.keepAliveIntervalMs);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let unverifiable = 0;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(check, deps.revalidateIntervalMs * (0.5 + Math.random()));
  };
  const check = () => {
    void recheckAccess(deps, {
      authorization: exchange.request.header("authorization"),
      clientIp: exchange.request.clientIp,
      resource: connectionResourceUrl(deps.publicUrl, exchange.publicId),
      publicId: exchange.publicId,
      sessionId: exchange.sessionId,
    }).then((verdict) => {
      if (stopped) return;
      unverifiable = verdict === "unverifiable" ? unverifiable + 1 : 0;
      if (verdict === "denied" || unverifiable >= MAX_UNVERIFIABLE_CHECKS) {
        if (verdict === "unverifiable")
          logger()
            .child({ component: "mcp" })
            .warn(
              { requestId: exchange.request.requestId },
              "closing a stream whose access cannot be re-checked",
            );
        onRevoked();
        return;
      }
      schedule();
    });
  };
  schedule();
  const unregister = deps.streams.register(
    { userId: exchange.principal.userId, tokenId: exchange.principal.tokenId },
    onRevoked,
  );
  return () => {
    stopped = true;
    clearInterval(keepAlive);
    clearTimeout(timer);
    unregister();
  };
}

/**
 * The upstream answers with an SSE stream: the agent gets one too, event by event as they arrive.
 * If the agent goes away, the relay keeps reading until the final answer, so the call is neither
 * cancelled (T16) nor left unaudited; the answer is then simply not delivered.
 */
export function streamAnswer(
  exchange: Exchange,
  message: JsonRpcRequest,
  requestText: string,
  upstream: UpstreamResponse,
): McpHttpResponse {
  // The agent's cancellation is watched for from now, not from when the body starts: in a batch a
  // request's stream is written only after the streams before it (batch.ts), and a cancellation
  // in between would find no one listening. (This replaces relayRequest's registration.)
  const cancellation = { requested: false };
  const forgetCancel =
    exchange.sessionId === null
      ? () => undefined
      : onAgentCancel(exchange.deps, exchange.sessionId, message.id, () => {
          cancellation.requested = true;
          upstream.destroy();
        });
  return {
    status: 200,
    headers: { ...BASE_HEADERS, ...SSE_HEADERS },
    body: async (sink) => {
      const context = streamContext(exchange, sink, { message, text: requestText });
      try {
        let revoked = false;
        const stop = guardStream(exchange, sink, () => {
          revoked = true;
          upstream.destroy();
        });
        const parser = new SseParser(exchange.deps.limits.maxMessageBytes);
        let answered = false;
        let sawEventIds = false;
        /** the upstream's own reconnection delay, passed on when the stream ends for the agent to resume */
        let upstreamRetry: number | undefined;
        let failure: unknown = null;
        try {
          reading: for await (const chunk of upstream.body) {
            context.log?.keepAlive(Date.now());
            for (const event of parser.push(chunk)) {
              if (event.id !== undefined) sawEventIds = true;
              if (event.retry !== undefined) upstreamRetry = event.retry;
              if (await relayEvent(context, event)) {
                answered = true;
                break reading;
              }
            }
          }
        } catch (error) {
          failure = error;
        } finally {
          stop();
          forgetCancel();
          upstream.destroy();
        }
        if (answered) return;
        if (cancellation.requested) {
          // No answer for a cancelled request (the agent ignores one anyway): the stream just ends.
          await recordCancelled(exchange, message, requestText);
          return;
        }
        if (revoked) {
          await endWithError(
            context,
            message,
            RPC_ERROR.FORBIDDEN,
            "The credential or the access behind this stream was revoked.",
            "DENIED",
          );
          return;
        }
        if (failure !== null && isAuditFailure(failure)) {
          await writeAnswer(
            context,
            undefined,
            serialize(errorResponse(message.id, RPC_ERROR.UNAVAILABLE, AUDIT_UNAVAILABLE_MESSAGE)),
          );
          return;
        }
        // The upstream ended the stream before answering but offered resumption (ids): the agent
        // resumes with GET + Last-Event-ID and the answer arrives there (2025-11-25 polling). Not
        // when the stream's first event had no id: the agent then holds the gateway's ids, which
        // resume the gateway's record, not the upstream's stream (it ends below with an error).
        if (failure === null && sawEventIds && context.resumption !== "gateway") {
          await rememberPending(exchange, "open", message.id, {
            method: message.method,
            subject: subjectOf(message.method, message.params),
            startedAt: exchange.startedAt,
            text: requestText,
          });
          // Audited now, as relayed with its answer pending: an agent that never resumes would
          // otherwise leave a call that ran upstream with no record. The answer is its own row.
          await recordRequest(exchange, message, {
            outcome: "OK",
            reason: "answer pending: the upstream ended the stream for the agent to resume",
            requestBody: requestText,
            responseBody: null,
            metadata: { answerPending: true },
          });
          await sink.write(`retry: ${upstreamRetry ?? RETRY_MS}\n\n`);
          return;
        }
        const described =
          failure === null
            ? {
                code: RPC_ERROR.UPSTREAM_ERROR,
                outcome: "UPSTREAM_ERROR" as const,
                message: "The upstream closed the stream without answering.",
              }
            : describeFailure(failure);
        await endWithError(context, message, described.code, described.message, described.outcome);
      } finally {
        // A stream that ended without its answer (cancelled, or broken off) tells its followers so.
        await context.log?.end();
      }
    },
  };
}

/** A request the agent cancelled before its answer came: audited as such (nothing is answered). */
export async function recordCancelled(
  exchange: Exchange,
  message: JsonRpcRequest,
  requestText: string,
): Promise<void> {
  try {
    await recordRequest(exchange, message, {
      outcome: "CANCELLED",
      reason: "cancelled by the agent",
      requestBody: requestText,
      responseBody: null,
    });
  } catch (error) {
    if (!isAuditFailure(error)) throw error;
  }
}

/** Ends a POST stream with a JSON-RPC error for its request, audited first when the store allows. */
async function endWithError(
  context: StreamContext,
  message: JsonRpcRequest,
  code: number,
  text: string,
  outcome: "UPSTREAM_ERROR" | "TIMEOUT" | "ERROR" | "DENIED",
): Promise<void> {
  const body = serialize(errorResponse(message.id, code, text));
  try {
    await recordRequest(context.exchange, message, {
      outcome,
      reason: text,
      requestBody: context.request?.text ?? null,
      responseBody: body,
    });
  } catch (error) {
    if (!isAuditFailure(error)) throw error;
    await writeAnswer(
      context,
      undefined,
      serialize(errorResponse(message.id, RPC_ERROR.UNAVAILABLE, AUDIT_UNAVAILABLE_MESSAGE)),
    );
    return;
  }
  await writeAnswer(context, undefined, body);
}

/** One of the session's and the user's open-stream places (open-streams.ts); 429 when none is left. */
function reserveStreamPlace(exchange: Exchange): () => void {
  const place = exchange.deps.streams.reserve({
    userId: exchange.principal.userId,
    sessionId: exchange.sessionId ?? "",
  });
  if (typeof place === "string")
    throw new PolicyDenied(
      "too_many_streams",
      429,
      place === "session"
        ? "Too many open streams on this session: close one before opening another."
        : "Too many open streams for this user: close some before opening another.",
    );
  return place;
}

/**
 * GET: the upstream's standalone stream (server-initiated messages outside any request, T12),
 * relayed while the agent keeps it open; 405 when the upstream offers none. With Last-Event-ID the
 * upstream replays from that event (T13): the id was checked to belong to this session.
 */
export async function relayGetStream(
  exchange: Exchange,
  upstreamLastEventId: string | undefined,
): Promise<McpHttpResponse> {
  exchange.deps.audit.assertAvailable();
  const place = reserveStreamPlace(exchange);
  const answer = await openGetStream(exchange, upstreamLastEventId, place);
  if (typeof answer.body !== "function") place();
  return answer;
}

async function openGetStream(
  exchange: Exchange,
  upstreamLastEventId: string | undefined,
  giveBackPlace: () => void,
): Promise<McpHttpResponse> {
  const connector = connectorFor(exchange);
  const abort = new AbortController();
  const onClientGone = () => abort.abort();
  exchange.request.signal.addEventListener("abort", onClientGone, { once: true });
  let upstream: UpstreamResponse;
  try {
    upstream = await connector.withRecovery(() => connector.get(upstreamLastEventId, abort.signal));
  } catch (error) {
    exchange.request.signal.removeEventListener("abort", onClientGone);
    const failure = describeFailure(error);
    return rpcErrorResponse(failure.outcome === "TIMEOUT" ? 504 : 502, null, failure.code, failure.message);
  }
  if (upstream.status === 405) {
    upstream.destroy();
    return rpcErrorResponse(
      405,
      null,
      RPC_ERROR.INVALID_REQUEST,
      "This server offers no stream for server-initiated messages (GET).",
      {
        headers: { allow: "POST, DELETE, OPTIONS" },
      },
    );
  }
  if (PASSED_ON_GET_REFUSALS.has(upstream.status)) {
    // The upstream's own refusal of this stream (a second GET stream it does not allow, a
    // Last-Event-ID it cannot replay from): the agent's request, not the gateway, is at fault.
    upstream.destroy();
    return rpcErrorResponse(
      upstream.status,
      null,
      RPC_ERROR.INVALID_REQUEST,
      `The upstream server refused the stream request (HTTP ${upstream.status}).`,
    );
  }
  if (upstream.status !== 200 || upstream.mediaType !== "text/event-stream") {
    upstream.destroy();
    return rpcErrorResponse(
      502,
      null,
      RPC_ERROR.UPSTREAM_ERROR,
      `The upstream server answered the stream request with HTTP ${upstream.status}.`,
    );
  }
  return {
    status: 200,
    headers: { ...BASE_HEADERS, ...SSE_HEADERS },
    body: async (sink) => {
      const context = streamContext(exchange, sink, null);
      const close = () => upstream.destroy();
      sink.signal.addEventListener("abort", close, { once: true });
      const stop = guardStream(exchange, sink, close);
      const parser = new SseParser(exchange.deps.limits.maxMessageBytes);
      try {
        for await (const chunk of upstream.body)
          for (const event of parser.push(chunk)) await relayEvent(context, event);
      } catch (error) {
        if (
          !(error instanceof UpstreamFailure) &&
          !isAuditFailure(error) &&
          !(error instanceof SseEventTooLargeError)
        )
          logger().child({ component: "mcp" }).error({ err: error }, "GET stream relay failed");
      } finally {
        stop();
        sink.signal.removeEventListener("abort", close);
        exchange.request.signal.removeEventListener("abort", onClientGone);
        upstream.destroy();
        giveBackPlace();
      }
      // A server-side close: tell the agent when to come back (T13).
      if (!sink.isClosed) await sink.write(`retry: ${RETRY_MS}\n\n`);
    },
  };
}

/**
 * GET with the Last-Event-ID of an event the gateway kept (event-log.ts): the rest of that POST
 * stream, replayed from Redis and then followed while the instance relaying the call (any
 * instance) appends to it, up to its answer (T13). Only that stream of that session: the id's MAC
 * was checked against the session's key. Replayed messages were audited when first relayed.
 */
export async function resumeLoggedStream(
  exchange: Exchange,
  point: { streamId: string; sequence: number },
): Promise<McpHttpResponse> {
  const sessionId = exchange.sessionId ?? "";
  const reader = new EventLogReader(exchange, sessionId, point.streamId, point.sequence);
  let first: Awaited<ReturnType<EventLogReader["read"]>>;
  try {
    first = await reader.read();
  } catch (error) {
    logger().child({ component: "mcp" }).warn({ err: error }, "could not read a stream's kept events");
    return rpcErrorResponse(
      503,
      null,
      RPC_ERROR.UNAVAILABLE,
      "The stream's events cannot be read right now; retry shortly.",
      {
        headers: { "retry-after": "1" },
      },
    );
  }
  if (first === null)
    return rpcErrorResponse(
      400,
      null,
      RPC_ERROR.INVALID_REQUEST,
      `This stream can no longer be resumed: the gateway keeps a stream's events for ${EVENT_LOG_TTL_MS / 60_000} minutes after its last one.`,
    );
  const place = reserveStreamPlace(exchange);
  return {
    status: 200,
    headers: { ...BASE_HEADERS, ...SSE_HEADERS },
    body: async (sink) => {
      const stopped = new AbortController();
      const stopOnClientGone = () => stopped.abort();
      sink.signal.addEventListener("abort", stopOnClientGone, { once: true });
      const stop = guardStream(exchange, sink, () => stopped.abort());
      let ended = false;
      try {
        let batch: Awaited<ReturnType<EventLogReader["read"]>> = first;
        let pause = EVENT_LOG_POLL_MS;
        while (batch !== null) {
          pause = batch.events.length > 0 ? EVENT_LOG_POLL_MS : Math.min(pause * 2, EVENT_LOG_POLL_MAX_MS);
          for (const event of batch.events) await writeSse(sink, event.id, event.data);
          ended = batch.ended;
          if (ended || stopped.signal.aborted) break;
          await delay(pause, undefined, { signal: stopped.signal }).catch(() => undefined);
          if (stopped.signal.aborted) break;
          batch = await reader.read();
        }
      } catch (error) {
        logger()
          .child({ component: "mcp" })
          .warn({ err: error }, "a resumed stream stopped reading its kept events");
      } finally {
        stop();
        sink.signal.removeEventListener("abort", stopOnClientGone);
        place();
      }
      // Closed before its answer (revoked, or its record expired): tell the agent when to come back.
      if (!ended && !sink.isClosed) await sink.write(`retry: ${RETRY_MS}\n\n`);
    },
  };
}
