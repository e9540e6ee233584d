import { env } from "../../env";
import { AppError } from "../../errors";
import { rateLimitCheck } from "../../mcp/rate-limit";
import { redis, redisKey } from "../../redis";
import type { RegistryCaller } from "./authenticate-caller";

/**
 * A token's Registry API calls count against the same per-token and per-user limits as its MCP
 * requests (GATEHOUSE_MCP_RATE_LIMIT_PER_TOKEN / _PER_USER, one-minute windows in Redis, shared by
 * every instance): a token has one budget, whichever endpoint it calls. Each call is counted in
 * Redis (the catalog is read far less often than tools are called, so no leases). A signed-in
 * browser, Gatehouse's own pages, is not limited here. Redis unreachable: refused (503).
 */
export async function chargeRegistryCall(caller: RegistryCaller, now = Date.now()): Promise<void> {
  if (caller.authenticatedBy !== "token" || caller.tokenId === undefined) return;
  const config = env();
  const check = rateLimitCheck({
    limits: {
      perToken: config.GATEHOUSE_MCP_RATE_LIMIT_PER_TOKEN,
      perUser: config.GATEHOUSE_MCP_RATE_LIMIT_PER_USER,
    },
    key: redisKey,
    tokenId: caller.tokenId,
    userId: caller.userId,
    now,
  });
  if (check.count === 0) return;
  const pipeline = redis().pipeline();
  check.queue(pipeline);
  const replies = (await pipeline.exec()) ?? [];
  const values = replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
  const exceeded = check.read(values, 0);
  if (exceeded)
    throw new AppError(
      "RATE_LIMITED",
      `Rate limit reached: at most ${exceeded.limit} requests a minute per ${exceeded.scope === "token" ? "API token" : "user"}. Try again in ${exceeded.retryAfterSeconds} s.`,
      { details: { retryAfterSeconds: exceeded.retryAfterSeconds } },
    );
}
