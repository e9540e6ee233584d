import type { JsonObject, JsonRpcResponse } from "./jsonrpc";
import { type ConnectionAccess, isToolAllowed } from "./policy";
import { LIST_RESULT_KEYS } from "./protocol";

/**
 * Lists narrowed to what this user may use (issue 5, "Policy on every message"). Tools follow the
 * allow-list (registry grant ∩ token scope). Registries and tokens have no allow-lists for prompts
 * and resources yet, so those lists pass whole; the hook is here for when they do.
 */
export function filterListResult(
  method: string,
  response: JsonRpcResponse,
  access: Pick<ConnectionAccess, "allowedTools">,
): JsonRpcResponse {
  const key = LIST_RESULT_KEYS[method];
  if (key !== "tools" || response.result === undefined || access.allowedTools === null) return response;
  const items = response.result.tools;
  if (!Array.isArray(items)) return response;
  const allowed = items.filter(
    (item): item is JsonObject =>
      typeof item === "object" &&
      item !== null &&
      typeof (item as JsonObject).name === "string" &&
      isToolAllowed(access, (item as JsonObject).name as string),
  );
  return { ...response, result: { ...response.result, tools: allowed } };
}

/**
 * For a response whose request is not known here (a resumed stream whose request another instance
 * or an earlier connection relayed): a result that holds a `tools` array is narrowed as a tools/list
 * result. Narrowing only removes entries, so guessing wrong can hide, never reveal.
 */
export function guessListMethod(response: JsonRpcResponse): string | null {
  return response.result !== undefined && Array.isArray(response.result.tools) ? "tools/list" : null;
}
