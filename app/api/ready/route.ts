import { db } from "@/server/db";
import { checkDatabase, checkRedis } from "@/server/ops/readiness";
import { redis } from "@/server/redis";

export const dynamic = "force-dynamic";

/** Readiness: 200 only when PostgreSQL and Redis both answer; 503 names what is down. */
export async function GET() {
  const [database, cache] = await Promise.all([checkDatabase(db()), checkRedis(redis())]);
  const ready = database.ok && cache.ok;
  return Response.json(
    { status: ready ? "ready" : "unavailable", checks: { database, redis: cache } },
    { status: ready ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
