import { serveMcpWeb } from "@/server/mcp/adapters/web";

/**
 * The per-user connection URL: MCP streamable HTTP for agents (server/mcp). The production server
 * sends these paths to the same handler without Next (server/http/server.ts); this route serves
 * them under `next dev`, `next start` and other platforms.
 */
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

function handle(request: Request): Promise<Response> {
  return serveMcpWeb(request);
}

export { handle as DELETE, handle as GET, handle as OPTIONS, handle as PATCH, handle as POST, handle as PUT };
