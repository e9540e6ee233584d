import { isConnectionPublicId } from "../services/connections/connection-url";
import type { McpHttpRequest, McpHttpResponse } from "./http-types";
import { MCP_PATH_PREFIX, PRM_PATH_PREFIX } from "./protocol";
import { BASE_HEADERS, jsonResponse } from "./responses";

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for each connection URL (PROTOCOL A2), at the
 * path RFC 9728 §3.1 derives from it: /.well-known/oauth-protected-resource/mcp/<publicId>.
 *
 * The document is the same for every well-formed id and needs no database: answering 404 for
 * unknown ids would let anyone test which connection URLs exist. `authorization_servers` names the
 * gateway itself, whose authorization server (PROTOCOL S) is a later issue; until then agents use
 * personal API tokens in the Authorization header, the only bearer method offered.
 */
const CORS = { "access-control-allow-origin": "*", "access-control-allow-methods": "GET, HEAD, OPTIONS" };

export function connectionResourceUrl(publicUrl: string, publicId: string): string {
  return `${publicUrl}${MCP_PATH_PREFIX}${publicId}`;
}

export function resourceMetadataUrl(publicUrl: string, publicId: string): string {
  return `${publicUrl}${PRM_PATH_PREFIX}${publicId}`;
}

export function protectedResourceMetadata(publicUrl: string, publicId: string): Record<string, unknown> {
  return {
    resource: connectionResourceUrl(publicUrl, publicId),
    authorization_servers: [publicUrl],
    scopes_supported: [],
    bearer_methods_supported: ["header"],
    resource_name: "Gatehouse MCP connection",
  };
}

export function serveResourceMetadata(request: McpHttpRequest, publicUrl: string): McpHttpResponse {
  const publicId = request.path.slice(PRM_PATH_PREFIX.length);
  if (!isConnectionPublicId(publicId))
    return jsonResponse(404, JSON.stringify({ error: "not_found", error_description: "No such resource." }));
  if (request.method === "OPTIONS")
    return { status: 204, headers: { ...BASE_HEADERS, allow: "GET, HEAD, OPTIONS", ...CORS }, body: null };
  if (request.method !== "GET" && request.method !== "HEAD")
    return jsonResponse(405, JSON.stringify({ error: "method_not_allowed" }), {
      allow: "GET, HEAD, OPTIONS",
    });
  const body = JSON.stringify(protectedResourceMetadata(publicUrl, publicId));
  return {
    status: 200,
    // Public metadata: browser-based MCP clients fetch it from other origins (no credentials).
    headers: { "content-type": "application/json", "cache-control": "public, max-age=3600", ...CORS },
    body: request.method === "HEAD" ? null : body,
  };
}
