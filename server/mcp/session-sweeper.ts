import { randomBytes } from "node:crypto";
import { recordAudit } from "../audit/record";
import { logger } from "../logger";
import { getOutboundPolicy } from "../services/settings/outbound-policy";
import type { McpDeps } from "./context";
import { CONNECTION_ACCESS_SELECT } from "./policy";
import { type SessionUpstream, sessionEndedKey, sessionIndexKey, sessionUpstreamKey } from "./session-store";
import { closeLocalChannel } from "./upstream/channel";
import { resolveDialTarget, upstreamRequest } from "./upstream/http-client";
import { buildTarget } from "./upstream/target";

/**
 * Closes the upstream side of downstream sessions that expired idle (DESIGN "Sessions"): an HTTP
 * upstream gets its DELETE, a legacy SSE stream is closed and a stdio process is stopped (by the
 * instance that holds it: a channel-close broadcast). The session store keeps a sorted set of
 * sessions by last use; a sweep takes those idle longer than the session TTL whose state is gone,
 * atomically (a Lua script), so two instances never close one session twice. Sweeps run on an
 * interval in every app instance, guarded by a Redis lock so one instance sweeps at a time.
 */
const SWEEP_BATCH = 100;

// KEYS[1] index, KEYS[2] upstream hash, KEYS[3] sessions ended early (the per-user cap); ARGV[1]
// cutoff score, ARGV[2] session key prefix, ARGV[3] batch. Sessions ended early are taken first,
// whatever their last use. Entries older than the cutoff whose session key still exists are live
// sessions with a longer idle TTL (an instance configured differently); they are skipped, so up to
// ten batches' worth are looked at and at most one batch is taken. Returns how many of the taken
// (the first ones) were ended early, then the taken upstream sides.
const TAKE_EXPIRED = `
local batch = tonumber(ARGV[3])
local taken = {}
for _, member in ipairs(redis.call('SPOP', KEYS[3], batch)) do
  redis.call('ZREM', KEYS[1], member)
  local upstream = redis.call('HGET', KEYS[2], member)
  redis.call('HDEL', KEYS[2], member)
  if upstream then table.insert(taken, upstream) end
end
local endedEarly = #taken
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, batch * 10)
for _, member in ipairs(members) do
  if #taken >= batch then break end
  if redis.call('EXISTS', ARGV[2] .. member) == 0 then
    redis.call('ZREM', KEYS[1], member)
    local upstream = redis.call('HGET', KEYS[2], member)
    redis.call('HDEL', KEYS[2], member)
    if upstream then table.insert(taken, upstream) end
  end
end
return { endedEarly, taken }
`;

export type SweepResult = { closed: number };

export async function sweepIdleSessions(deps: McpDeps, now = Date.now()): Promise<SweepResult> {
  const prefix = deps.redisKey("mcp", "session", "");
  const raw = (await deps
    .redis()
    .eval(
      TAKE_EXPIRED,
      3,
      sessionIndexKey(deps.redisKey),
      sessionUpstreamKey(deps.redisKey),
      sessionEndedKey(deps.redisKey),
      String(now - deps.sessionIdleTtlMs),
      prefix,
      String(SWEEP_BATCH),
    )) as [number, string[]];
  const [endedEarly, taken] = raw;
  let closed = 0;
  for (const [index, entry] of taken.entries()) {
    let upstream: SessionUpstream;
    try {
      upstream = JSON.parse(entry) as SessionUpstream;
    } catch {
      continue;
    }
    try {
      await closeUpstream(deps, upstream, index < endedEarly ? "past the per-user session cap" : "idle");
      closed += 1;
    } catch (error) {
      logger()
        .child({ component: "mcp" })
        .warn(
          { err: error, connectionId: upstream.connectionId },
          "closing an expired session's upstream failed",
        );
    }
  }
  return { closed };
}

async function closeUpstream(
  deps: McpDeps,
  upstream: SessionUpstream,
  reason: "idle" | "past the per-user session cap",
): Promise<void> {
  let upstreamStatus: number | null = null;
  const id = upstream.upstreamSessionId;
  if (id !== null) {
    const connection = await deps.db().connection.findUnique({
      where: { id: upstream.connectionId },
      select: CONNECTION_ACCESS_SELECT,
    });
    const transport = connection?.serverVersion.transport;
    if (transport === "STREAMABLE_HTTP" && connection) {
      upstreamStatus = await deleteHttpSession(deps, connection, id, upstream.upstreamProtocolVersion);
    } else if (!(await closeLocalChannel(id, "session expired"))) {
      await deps
        .redis()
        .publish(deps.redisKey("mcp", "channel-close"), JSON.stringify({ channelId: id }))
        .catch(() => 0);
    } else upstreamStatus = 200;
  }
  await recordAudit(
    deps.db(),
    { actorUserId: upstream.userId },
    {
      action: "mcp.session.expire",
      targetType: "connection",
      targetId: upstream.connectionId,
      serverId: upstream.serverId,
      connectionId: upstream.connectionId,
      reason,
      metadata: { upstreamStatus },
    },
  );
}

async function deleteHttpSession(
  deps: McpDeps,
  connection: Parameters<typeof buildTarget>[0],
  upstreamSessionId: string,
  version: string,
): Promise<number | null> {
  const target = buildTarget(connection);
  if (target === null || target.url === "") return null;
  try {
    const dial = await resolveDialTarget(target.url, await getOutboundPolicy(deps.db()), deps.resolver);
    const response = await upstreamRequest({
      target: dial,
      method: "DELETE",
      headers: {
        ...target.headers,
        "user-agent": "Gatehouse-MCP-Proxy/0.1",
        "mcp-session-id": upstreamSessionId,
        "mcp-protocol-version": version,
      },
      limits: { ...deps.limits, headersTimeoutMs: Math.min(deps.limits.headersTimeoutMs, 5_000) },
    });
    response.destroy();
    return response.status;
  } catch {
    return null;
  }
}

const SWEEPER_KEY = Symbol.for("gatehouse.mcp-session-sweeper");
type GlobalWithSweeper = typeof globalThis & { [SWEEPER_KEY]?: NodeJS.Timeout };

/** Starts the process's sweeper (once); each tick sweeps when it wins the cluster-wide lock. */
export function startSessionSweeper(deps: McpDeps, intervalMs = 30_000): void {
  const holder = globalThis as GlobalWithSweeper;
  if (holder[SWEEPER_KEY]) return;
  const lockKey = deps.redisKey("mcp", "session-sweeper-lock");
  const owner = randomBytes(8).toString("hex");
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void (async () => {
      try {
        const won = await deps.redis().set(lockKey, owner, "PX", intervalMs, "NX");
        if (won === "OK") await sweepIdleSessions(deps);
      } catch (error) {
        logger().child({ component: "mcp" }).warn({ err: error }, "session sweep failed");
      } finally {
        running = false;
      }
    })();
  }, intervalMs);
  timer.unref();
  holder[SWEEPER_KEY] = timer;
}
