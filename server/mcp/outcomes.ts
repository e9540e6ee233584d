import type { Prisma } from "../db";
import { isAppError } from "../errors";
import { logger } from "../logger";
import { type AuditOutcome, subjectOf } from "./audit";
import { AUDIT_UNAVAILABLE_MESSAGE } from "./audit-writer";
import { type Exchange, recordExchange } from "./context";
import type { McpHttpResponse } from "./http-types";
import {
  exceedsDepth,
  type JsonObject,
  type JsonRpcError,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
  toMessage,
  UPSTREAM_MAX_DEPTH,
} from "./jsonrpc";
import { RPC_ERROR } from "./protocol";
import { rpcErrorResponse } from "./responses";
import { SseEventTooLargeError } from "./sse";
import { UpstreamFailure } from "./upstream/http-client";

/** How the relay words failures and records answers; shared by request and stream relaying. */

export type Failure = { code: number; outcome: "UPSTREAM_ERROR" | "TIMEOUT" | "ERROR"; message: string };

export function describeFailure(error: unknown): Failure {
  if (error instanceof UpstreamFailure) {
    if (error.kind === "timeout")
      return { code: RPC_ERROR.UPSTREAM_TIMEOUT, outcome: "TIMEOUT", message: error.message };
    if (error.kind === "too_large")
      return { code: RPC_ERROR.UPSTREAM_TOO_LARGE, outcome: "UPSTREAM_ERROR", message: error.message };
    return { code: RPC_ERROR.UPSTREAM_ERROR, outcome: "UPSTREAM_ERROR", message: error.message };
  }
  if (error instanceof SseEventTooLargeError)
    return {
      code: RPC_ERROR.UPSTREAM_TOO_LARGE,
      outcome: "UPSTREAM_ERROR",
      message: `The upstream sent an event over ${error.limit} bytes.`,
    };
  logger().child({ component: "mcp" }).error({ err: error }, "unexpected relay error");
  return {
    code: RPC_ERROR.INTERNAL_ERROR,
    outcome: "ERROR",
    message: "Something went wrong on our side. The error has been logged.",
  };
}

/**
 * Audits how one request of the agent ended (answered, refused, failed, cancelled): its method,
 * subject, JSON-RPC id and timing come from the request and the exchange.
 */
export function recordRequest(
  exchange: Exchange,
  message: JsonRpcRequest,
  end: {
    outcome: AuditOutcome;
    reason: string | null;
    requestBody: string | null;
    responseBody: string | null;
    metadata?: Record<string, Prisma.InputJsonValue>;
  },
): Promise<void> {
  return recordExchange(exchange, {
    action: "mcp.request",
    outcome: end.outcome,
    reason: end.reason,
    method: message.method,
    subject: subjectOf(message.method, message.params),
    startedAt: exchange.startedAt,
    requestBody: end.requestBody,
    responseBody: end.responseBody,
    metadata: { jsonRpcId: message.id, ...end.metadata },
  });
}

/** The `error` member of a JSON-RPC error response, checked as `toMessage` checks one; else null. */
export function errorObjectOf(value: unknown): JsonRpcError | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const parsed = toMessage({ ...(value as JsonObject), id: 0 });
  return parsed.ok && parsed.message.kind === "response" && parsed.message.error !== undefined
    ? parsed.message.error
    : null;
}

/**
 * The error of an upstream error response without an id (or with `id: null`): JSON-RPC's answer
 * when the id could not be read, optional in the 2025-11-25 schema. Where it can only be the answer
 * to one request (a JSON answer, a POST stream), it is that request's answer; else null.
 */
export function idlessErrorOf(text: string): JsonRpcError | null {
  if (exceedsDepth(text, UPSTREAM_MAX_DEPTH)) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const { id } = value as JsonObject;
  return id === undefined || id === null ? errorObjectOf(value) : null;
}

export function isAuditFailure(error: unknown): boolean {
  return isAppError(error) && error.code === "UNAVAILABLE";
}

export function auditUnavailable(id: RequestId | null): McpHttpResponse {
  return rpcErrorResponse(503, id, RPC_ERROR.UNAVAILABLE, AUDIT_UNAVAILABLE_MESSAGE);
}

export function recordAnswer(
  exchange: Exchange,
  answer: {
    method: string | null;
    subject: string | null;
    id: RequestId;
    startedAt: number;
    requestText: string | null;
    responseText: string;
    response: JsonRpcResponse;
    resumed?: boolean;
  },
): Promise<void> {
  const { response } = answer;
  return recordExchange(exchange, {
    action: "mcp.request",
    outcome: response.error === undefined ? "OK" : "UPSTREAM_ERROR",
    reason: response.error === undefined ? null : `upstream JSON-RPC error ${response.error.code}`,
    method: answer.method,
    subject: answer.subject,
    startedAt: answer.startedAt,
    requestBody: answer.requestText,
    responseBody: answer.responseText,
    metadata: { jsonRpcId: answer.id, ...(answer.resumed && { resumed: true }) },
  });
}
