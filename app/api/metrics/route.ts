import { env } from "@/server/env";
import { collectMetrics, mayReadMetrics } from "@/server/ops/collect-metrics";
import { redis } from "@/server/redis";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  // x-gatehouse-client-ip is set by our HTTP server from the socket (or a trusted proxy), never by clients.
  if (
    !mayReadMetrics(
      env(),
      request.headers.get("authorization"),
      request.headers.get("x-gatehouse-client-ip") ?? undefined,
      request.headers,
    )
  ) {
    return Response.json(
      { error: { code: "FORBIDDEN", message: "Metrics need the metrics token." } },
      { status: 403 },
    );
  }
  const { body, contentType } = await collectMetrics(redis());
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
}
