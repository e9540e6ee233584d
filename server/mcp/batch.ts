import { isAppError } from "../errors";
import type { Exchange } from "./context";
import type { McpHttpResponse, StreamSink } from "./http-types";
import {
  AGENT_MAX_DEPTH,
  errorBody,
  exceedsDepth,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type ParseFailure,
  toMessage,
} from "./jsonrpc";
import { RPC_ERROR } from "./protocol";
import { relayAgentResponse, relayNotification, relayRequest } from "./relay";
import { acceptedResponse, BASE_HEADERS, rpcErrorResponse } from "./responses";
import { formatSseEvent, SSE_HEADERS } from "./sse";

/**
 * JSON-RPC batches, on sessions that negotiated 2025-03-26 (the only revision that has them: "MCP
 * implementations MUST support receiving JSON-RPC batches"; 2025-06-18 removed them, and there a
 * batch is refused with 400 -32600, PROTOCOL T8).
 *
 * A batch is handled as its messages would be one by one: each passes the same policy (a denied
 * tool gets its own JSON-RPC error, never the upstream's answer), is relayed on its own, and is
 * audited as its own exchange. The HTTP answer follows the 2025-03-26 transport:
 *
 * - only notifications and responses → 202 once each was relayed (or the first refusal's answer);
 * - any request → one SSE stream carrying, request after request, everything that request's own
 *   stream would have carried (progress, server-initiated requests, its response). The requests
 *   are sent upstream together; their streams are written one after the other, so events never
 *   interleave mid-message.
 *
 * Stricter than JSON-RPC 2.0 on malformed batches, on purpose: an empty batch, an invalid member or
 * an `initialize` inside a batch (forbidden by 2025-03-26) refuses the whole batch with 400 before
 * anything is relayed, so a batch is never half-applied because of its own shape.
 */

export const MAX_BATCH_MESSAGES = 100;

/** Whether the body is a JSON array (the first non-whitespace character is "["). */
export function isBatchText(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const c = text.charCodeAt(index);
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    return c === 91;
  }
  return false;
}

/** Parses a batch strictly; every member must be a valid message. */
export function parseBatch(text: string): { ok: true; messages: JsonRpcMessage[] } | ParseFailure {
  const failure = (code: number, reason: string): ParseFailure => ({ ok: false, code, reason, id: null });
  if (exceedsDepth(text, AGENT_MAX_DEPTH))
    return failure(RPC_ERROR.INVALID_REQUEST, "The batch is nested too deeply.");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return failure(RPC_ERROR.PARSE_ERROR, "Parse error: the body is not valid JSON.");
  }
  if (!Array.isArray(value) || value.length === 0)
    return failure(RPC_ERROR.INVALID_REQUEST, "An empty batch is not a valid request.");
  if (value.length > MAX_BATCH_MESSAGES)
    return failure(RPC_ERROR.INVALID_REQUEST, `A batch holds at most ${MAX_BATCH_MESSAGES} messages.`);
  const messages: JsonRpcMessage[] = [];
  const ids = new Set<string>();
  for (const [index, member] of value.entries()) {
    const parsed = toMessage(member);
    if (!parsed.ok) return failure(parsed.code, `Batch member ${index}: ${parsed.reason}`);
    const message = parsed.message;
    if (message.kind === "request") {
      if (message.method === "initialize")
        return failure(RPC_ERROR.INVALID_REQUEST, "initialize must not be part of a batch.");
      const key = JSON.stringify(message.id);
      if (ids.has(key))
        return failure(
          RPC_ERROR.INVALID_REQUEST,
          `Batch member ${index}: the request id ${key} is used twice.`,
        );
      ids.add(key);
    }
    messages.push(message);
  }
  return { ok: true, messages };
}

/** Relays a parsed batch on the exchange's (2025-03-26) session. */
export async function relayBatch(exchange: Exchange, messages: JsonRpcMessage[]): Promise<McpHttpResponse> {
  if (exchange.state?.protocolVersion !== "2025-03-26")
    return rpcErrorResponse(
      400,
      null,
      RPC_ERROR.INVALID_REQUEST,
      "JSON-RPC batches are not accepted on this protocol revision: send one message per HTTP request.",
    );
  const requests = messages.filter((message): message is JsonRpcRequest => message.kind === "request");
  const others = messages.filter((message) => message.kind !== "request");

  // Notifications and responses first, in order: a cancellation or an answer to a server-initiated
  // request in the same batch reaches the upstream before the batch's new requests do.
  // Every one is relayed (and audited) even after one is refused; without requests in the batch,
  // the first refusal is the batch's answer.
  let refusal: McpHttpResponse | null = null;
  for (const message of others) {
    const answer =
      message.kind === "notification"
        ? await relayNotification(exchange, message)
        : await relayAgentResponse(exchange, message as Extract<JsonRpcMessage, { kind: "response" }>);
    if (answer.status !== 202) refusal ??= answer;
  }
  if (requests.length === 0) return refusal ?? acceptedResponse();

  // Each request is its own exchange (its own start time, and its own view of the session should a
  // transparent re-initialization replace the upstream session under it).
  const answers = requests.map((message) => ({
    message,
    answer: relayRequest({ ...exchange, startedAt: Date.now() }, message),
  }));
  // Observed at once: a request failing while an earlier one still streams leaves no unhandled rejection.
  for (const { answer } of answers) answer.catch(() => undefined);
  return {
    status: 200,
    headers: { ...BASE_HEADERS, ...SSE_HEADERS },
    body: async (sink: StreamSink) => {
      for (const { message, answer: pending } of answers) {
        let answer: McpHttpResponse;
        try {
          answer = await pending;
        } catch (error) {
          // What the handler would answer alone (a dependency down): this request's error, in the stream.
          const unavailable = isAppError(error) && error.code === "UNAVAILABLE";
          await sink.write(
            formatSseEvent({
              data: errorBody(
                message.id,
                unavailable ? RPC_ERROR.UNAVAILABLE : RPC_ERROR.INTERNAL_ERROR,
                unavailable ? error.message : "Something went wrong on our side. The error has been logged.",
              ),
            }),
          );
          continue;
        }
        if (typeof answer.body === "function") await answer.body(sink);
        else if (answer.body !== null) await sink.write(formatSseEvent({ data: answer.body }));
      }
    },
  };
}
