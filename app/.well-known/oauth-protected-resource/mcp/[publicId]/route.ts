import { serveMcpWeb } from "@/server/mcp/adapters/web";

/** RFC 9728 protected resource metadata of a connection URL (server/mcp/resource-metadata.ts). */
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

function handle(request: Request): Promise<Response> {
  return serveMcpWeb(request);
}

export {
  handle as DELETE,
  handle as GET,
  handle as HEAD,
  handle as OPTIONS,
  handle as PATCH,
  handle as POST,
  handle as PUT,
};
