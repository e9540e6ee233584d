import { z } from "zod";
import { open, seal } from "../crypto/envelope";
import { logger } from "../logger";
import type { Exchange } from "./context";
import type { RequestId } from "./jsonrpc";
import { sessionKeyHash } from "./session-store";

/**
 * Requests whose answer arrives on another HTTP request, remembered in Redis (any instance may
 * get the answer) for one session idle period:
 *
 * - "server": a request the upstream sent the agent (sampling, elicitation, roots). The agent's
 *   reply comes as a POST; the pair becomes one audit row with the method and both bodies.
 * - "open": an agent request whose POST stream the upstream closed before answering (2025-11-25
 *   polling, or a dropped stream). The answer then arrives on a resumed GET stream, where the
 *   method tells how to filter it (tools/list) and what to audit.
 *
 * Bodies are sealed (AES-256-GCM, bound to the key name) since Redis may persist them.
 */
export type PendingKind = "server" | "open";

const RECORD = z.object({
  method: z.string(),
  subject: z.string().nullable(),
  startedAt: z.number(),
  text: z.string(),
});

export type PendingRecord = z.infer<typeof RECORD>;

function keyOf(exchange: Exchange, kind: PendingKind, id: RequestId): string {
  const sessionId = exchange.sessionId ?? "";
  // JSON keeps 1 and "1" apart, as JSON-RPC does.
  return exchange.deps.redisKey(
    "mcp",
    "pending",
    kind,
    sessionKeyHash(sessionId),
    Buffer.from(JSON.stringify(id)).toString("base64url"),
  );
}

export async function rememberPending(
  exchange: Exchange,
  kind: PendingKind,
  id: RequestId,
  record: PendingRecord,
): Promise<void> {
  const key = keyOf(exchange, kind, id);
  try {
    const sealed = seal(exchange.deps.keyring(), JSON.stringify(record), key).toString("base64");
    await exchange.deps.redis().set(key, sealed, "PX", exchange.deps.sessionIdleTtlMs);
  } catch (error) {
    // The relay goes on; the pair's audit row will then lack the request side.
    logger()
      .child({ component: "mcp" })
      .warn({ err: { message: (error as Error).message }, kind }, "could not remember a pending request");
  }
}

export async function takePending(
  exchange: Exchange,
  kind: PendingKind,
  id: RequestId,
): Promise<PendingRecord | null> {
  const key = keyOf(exchange, kind, id);
  const raw = await exchange.deps.redis().getdel(key);
  if (raw === null) return null;
  try {
    const parsed = RECORD.safeParse(
      JSON.parse(open(exchange.deps.keyring(), Buffer.from(raw, "base64"), key).toString("utf8")),
    );
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
