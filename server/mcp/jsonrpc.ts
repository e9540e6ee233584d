import { RPC_ERROR } from "./protocol";

/**
 * Strict JSON-RPC 2.0 parsing for MCP messages (PROTOCOL T8–T10, X7).
 *
 * - Nesting is limited before JSON.parse runs (a linear scan), so a deeply nested body cannot
 *   exhaust the stack of the parser or of anything that walks the value later.
 * - The parsed value is checked member by member; unknown top-level members, `id: null` requests,
 *   non-object params and responses carrying both `result` and `error` are refused.
 * - Duplicate keys: JSON.parse keeps the last one. The proxy never forwards the bytes it received;
 *   it forwards `serialize()` of the very object the policy looked at, so the policy check and the
 *   upstream cannot see two different messages.
 * - `__proto__` and friends: JSON.parse creates them as ordinary own properties (it never calls the
 *   prototype setter), and nothing here merges parsed objects into others, so they stay inert data.
 */

export type RequestId = string | number;
export type JsonObject = { [key: string]: unknown };

export type JsonRpcRequest = { kind: "request"; id: RequestId; method: string; params?: JsonObject };
export type JsonRpcNotification = { kind: "notification"; method: string; params?: JsonObject };
export type JsonRpcError = { code: number; message: string; data?: unknown };
export type JsonRpcResponse =
  | { kind: "response"; id: RequestId; result: JsonObject; error?: undefined }
  | { kind: "response"; id: RequestId; error: JsonRpcError; result?: undefined };
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export type ParseFailure = {
  ok: false;
  /** -32700 for bytes that are not JSON, -32600 for JSON that is not one valid message */
  code: number;
  reason: string;
  /** the id of the message when one could be read, so the client can match the error */
  id: RequestId | null;
};
export type ParseResult = { ok: true; message: JsonRpcMessage } | ParseFailure;

export const AGENT_MAX_DEPTH = 64;
export const UPSTREAM_MAX_DEPTH = 256;
const MAX_ID_LENGTH = 1024;
const MAX_METHOD_LENGTH = 256;

const REQUEST_KEYS = new Set(["jsonrpc", "id", "method", "params"]);
const RESPONSE_KEYS = new Set(["jsonrpc", "id", "result", "error"]);
const ERROR_KEYS = new Set(["code", "message", "data"]);

/** Deepest nesting of arrays/objects in JSON text (strings skipped), stopping once past `limit`. */
export function exceedsDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readId(value: unknown): RequestId | undefined {
  if (typeof value === "string") return value.length <= MAX_ID_LENGTH ? value : undefined;
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  return undefined;
}

function fail(code: number, reason: string, id: RequestId | null = null): ParseFailure {
  return { ok: false, code, reason, id };
}

/** Checks one parsed value as a single JSON-RPC message. */
export function toMessage(value: unknown): ParseResult {
  if (Array.isArray(value)) {
    return fail(
      RPC_ERROR.INVALID_REQUEST,
      "JSON-RPC batches are not accepted: send one message per HTTP request.",
    );
  }
  if (!isPlainObject(value)) return fail(RPC_ERROR.INVALID_REQUEST, "The body must be a JSON-RPC object.");
  const hasId = Object.hasOwn(value, "id");
  const id = hasId ? readId(value.id) : undefined;
  const echoId = id ?? null;
  if (value.jsonrpc !== "2.0")
    return fail(RPC_ERROR.INVALID_REQUEST, 'The member "jsonrpc" must be "2.0".', echoId);

  if (Object.hasOwn(value, "method")) {
    for (const key of Object.keys(value))
      if (!REQUEST_KEYS.has(key))
        return fail(
          RPC_ERROR.INVALID_REQUEST,
          `Unexpected member "${key.slice(0, 40)}" in a request.`,
          echoId,
        );
    const { method, params } = value;
    if (typeof method !== "string" || method.length === 0 || method.length > MAX_METHOD_LENGTH)
      return fail(RPC_ERROR.INVALID_REQUEST, 'The member "method" must be a non-empty string.', echoId);
    if (params !== undefined && !isPlainObject(params))
      return fail(RPC_ERROR.INVALID_REQUEST, 'The member "params" must be an object.', echoId);
    if (!hasId) return { ok: true, message: { kind: "notification", method, ...(params && { params }) } };
    if (id === undefined)
      return fail(RPC_ERROR.INVALID_REQUEST, 'A request "id" must be a string or an integer (not null).');
    return { ok: true, message: { kind: "request", id, method, ...(params && { params }) } };
  }

  for (const key of Object.keys(value))
    if (!RESPONSE_KEYS.has(key))
      return fail(
        RPC_ERROR.INVALID_REQUEST,
        `Unexpected member "${key.slice(0, 40)}" in a response.`,
        echoId,
      );
  if (id === undefined)
    return fail(RPC_ERROR.INVALID_REQUEST, 'A response needs an "id" that is a string or an integer.');
  const hasResult = Object.hasOwn(value, "result");
  const hasError = Object.hasOwn(value, "error");
  if (hasResult === hasError)
    return fail(RPC_ERROR.INVALID_REQUEST, 'A response carries exactly one of "result" and "error".', id);
  if (hasResult) {
    if (!isPlainObject(value.result))
      return fail(RPC_ERROR.INVALID_REQUEST, 'The member "result" must be an object.', id);
    return { ok: true, message: { kind: "response", id, result: value.result } };
  }
  const error = value.error;
  if (
    !isPlainObject(error) ||
    !Number.isSafeInteger(error.code) ||
    typeof error.message !== "string" ||
    Object.keys(error).some((key) => !ERROR_KEYS.has(key))
  )
    return fail(RPC_ERROR.INVALID_REQUEST, 'The member "error" must be { code, message, data? }.', id);
  const checked: JsonRpcError = { code: error.code as number, message: error.message };
  if (Object.hasOwn(error, "data")) checked.data = error.data;
  return { ok: true, message: { kind: "response", id, error: checked } };
}

/** Parses the text of one message: depth limit, JSON syntax, then the shape. */
export function parseMessage(text: string, maxDepth: number = AGENT_MAX_DEPTH): ParseResult {
  if (exceedsDepth(text, maxDepth))
    return fail(RPC_ERROR.INVALID_REQUEST, `The message is nested deeper than ${maxDepth} levels.`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(RPC_ERROR.PARSE_ERROR, "Parse error: the body is not valid JSON.");
  }
  return toMessage(value);
}

/** The wire form of a checked message, members in a fixed order. */
export function serialize(message: JsonRpcMessage): string {
  switch (message.kind) {
    case "request":
      return JSON.stringify(
        message.params === undefined
          ? { jsonrpc: "2.0", id: message.id, method: message.method }
          : { jsonrpc: "2.0", id: message.id, method: message.method, params: message.params },
      );
    case "notification":
      return JSON.stringify(
        message.params === undefined
          ? { jsonrpc: "2.0", method: message.method }
          : { jsonrpc: "2.0", method: message.method, params: message.params },
      );
    case "response":
      return JSON.stringify(
        message.error === undefined
          ? { jsonrpc: "2.0", id: message.id, result: message.result }
          : { jsonrpc: "2.0", id: message.id, error: message.error },
      );
  }
}

export function errorResponse(id: RequestId, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { kind: "response", id, error: data === undefined ? { code, message } : { code, message, data } };
}

/** An error body for a failure that belongs to no (known) request: `id` is null (T9). */
export function errorBody(id: RequestId | null, code: number, message: string, data?: unknown): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    error: data === undefined ? { code, message } : { code, message, data },
  });
}
