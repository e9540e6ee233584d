import type { McpHttpResponse } from "./http-types";
import { errorBody, type RequestId } from "./jsonrpc";

/** Response shapes of the endpoint: always JSON (or SSE), never HTML or a stack trace (T9). */
export const BASE_HEADERS: Readonly<Record<string, string>> = {
  // Connection URLs are personal: nothing here may be stored by a shared cache.
  "cache-control": "no-store",
};

export function jsonResponse(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): McpHttpResponse {
  return {
    status,
    headers: { ...BASE_HEADERS, "content-type": "application/json", ...headers },
    body,
  };
}

export function rpcErrorResponse(
  status: number,
  id: RequestId | null,
  code: number,
  message: string,
  options: { data?: unknown; headers?: Record<string, string> } = {},
): McpHttpResponse {
  return jsonResponse(status, errorBody(id, code, message, options.data), options.headers);
}

export function acceptedResponse(): McpHttpResponse {
  return { status: 202, headers: { ...BASE_HEADERS }, body: null };
}
