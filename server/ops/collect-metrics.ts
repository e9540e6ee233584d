import { timingSafeEqual } from "node:crypto";
import type { Redis } from "ioredis";
import type { Env } from "../env";
import { HEARTBEAT_TTL_SECONDS, readHeartbeat } from "../queue/heartbeat";
import { getQueue, QUEUE_NAMES } from "../queue/queues";
import { metrics, RELAYED_HEADER } from "./metrics";

/** Queue gauges are read from Redis at scrape time, so any app instance reports the same numbers. */
export async function collectMetrics(client: Redis): Promise<{ body: string; contentType: string }> {
  const { registry, queueJobs, workerUp } = metrics();
  try {
    for (const name of Object.values(QUEUE_NAMES)) {
      const counts = await getQueue(name).getJobCounts("waiting", "active", "delayed", "completed", "failed");
      for (const [state, count] of Object.entries(counts)) queueJobs.set({ queue: name, state }, count);
    }
    const beat = await readHeartbeat(client);
    workerUp.set(beat && Date.now() - new Date(beat.at).getTime() < HEARTBEAT_TTL_SECONDS * 1000 ? 1 : 0);
  } catch {
    workerUp.set(0);
  }
  return { body: await registry.metrics(), contentType: registry.contentType };
}

/**
 * Headers a reverse proxy adds to what it relays. Not X-Forwarded-*: Next's own server adds those
 * to every request it hands a route, and the front has already turned a client's into the mark.
 */
const FORWARDING_HEADERS = ["forwarded", "x-real-ip", RELAYED_HEADER];

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/**
 * Metrics reveal traffic shape, so they are not public: with GATEHOUSE_METRICS_TOKEN set a scraper
 * presents it as a bearer token; without one, only loopback clients are answered. A reverse proxy on
 * the same host that is not in GATEHOUSE_TRUSTED_PROXIES connects from loopback whatever client it
 * relays, so a loopback request carrying forwarding headers (`headers`, the request's) is not local.
 */
export function mayReadMetrics(
  config: Env,
  authorization: string | null,
  clientIp: string | undefined,
  headers?: Headers,
): boolean {
  if (config.GATEHOUSE_METRICS_TOKEN) {
    const expected = Buffer.from(`Bearer ${config.GATEHOUSE_METRICS_TOKEN}`);
    const given = Buffer.from(authorization ?? "");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
  if (clientIp === undefined || !LOOPBACK.has(clientIp)) return false;
  return !FORWARDING_HEADERS.some((name) => headers?.has(name));
}
