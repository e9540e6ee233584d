import type { Redis } from "ioredis";
import { logger } from "../logger";
import type { McpDeps } from "./context";
import type { RequestId } from "./jsonrpc";

/**
 * Requests the agent cancelled (`notifications/cancelled`, T16). The relay of a request in flight
 * registers here while it waits for the upstream; the agent's cancellation is relayed upstream first
 * (the upstream stops and, per the spec, sends no answer), then ends that relay wherever it runs:
 * in this process directly, else through a Redis broadcast every instance hears (the cancellation
 * may reach another instance than the request did). The relay then stops reading the upstream,
 * audits the request as CANCELLED and closes the agent's stream, instead of waiting for an answer
 * that never comes (and holding a stdio process busy, which blocks its idle reaping).
 *
 * Only the session that sent the cancellation can cancel: the key is (session id, request id), and
 * the session was checked to be the caller's before the notification was relayed.
 */

const TOPIC = ["mcp", "cancel"] as const;
const KEY = Symbol.for("gatehouse.mcp-cancellations");
type Registry = { handlers: Map<string, () => void>; subscriber: Redis | null };
type GlobalWithRegistry = typeof globalThis & { [KEY]?: Registry };

function registry(): Registry {
  const holder = globalThis as GlobalWithRegistry;
  holder[KEY] ??= { handlers: new Map(), subscriber: null };
  return holder[KEY];
}

function keyOf(sessionId: string, requestId: RequestId): string {
  return `${sessionId}\n${JSON.stringify(requestId)}`;
}

function cancelHere(key: string): boolean {
  const handler = registry().handlers.get(key);
  if (!handler) return false;
  registry().handlers.delete(key);
  handler();
  return true;
}

function listen(deps: McpDeps): void {
  const state = registry();
  if (state.subscriber) return;
  try {
    const subscriber = deps.redis().duplicate();
    state.subscriber = subscriber;
    const topic = deps.redisKey(...TOPIC);
    subscriber.on("error", () => undefined);
    subscriber.on("message", (channel, raw) => {
      if (channel !== topic) return;
      try {
        const { sessionId, requestId } = JSON.parse(raw) as { sessionId?: unknown; requestId?: unknown };
        if (typeof sessionId === "string" && (typeof requestId === "string" || typeof requestId === "number"))
          cancelHere(keyOf(sessionId, requestId));
      } catch {
        // not ours
      }
    });
    void subscriber.subscribe(topic).catch((error: unknown) => {
      logger().child({ component: "mcp" }).warn({ err: error }, "could not listen for cancellations");
    });
  } catch {
    state.subscriber = null;
  }
}

/**
 * Subscribes this process to cancellations broadcast by other instances, ahead of its first relay:
 * subscribing on the first registration instead would lose a cancellation sent by another instance
 * while the subscription is still being set up.
 */
export function listenForCancellations(deps: McpDeps): void {
  listen(deps);
}

/** Registers what ends the relay of `requestId` if the agent cancels it; returns the unregistration. */
export function onAgentCancel(
  deps: McpDeps,
  sessionId: string,
  requestId: RequestId,
  handler: () => void,
): () => void {
  listen(deps);
  const key = keyOf(sessionId, requestId);
  const handlers = registry().handlers;
  handlers.set(key, handler);
  return () => {
    if (handlers.get(key) === handler) handlers.delete(key);
  };
}

/** Ends the relay of the cancelled request, in this process or (broadcast) in the one that holds it. */
export async function cancelInFlight(deps: McpDeps, sessionId: string, requestId: RequestId): Promise<void> {
  if (cancelHere(keyOf(sessionId, requestId))) return;
  await deps
    .redis()
    .publish(deps.redisKey(...TOPIC), JSON.stringify({ sessionId, requestId }))
    .then(() => undefined)
    .catch(() => undefined); // the upstream was told; the relay then ends by its idle timeout
}
