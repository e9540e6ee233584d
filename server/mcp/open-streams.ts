import { logger } from "../logger";
import {
  subscribeTokenRevocations,
  type TokenRevokedMessage,
} from "../services/tokens/token-revocation-events";

/**
 * The SSE streams this process holds open, by credential and user, so a revocation closes them at
 * once (PROTOCOL A9): token revocation and user deactivation are broadcast on Redis by the token
 * service. The broadcast is the fast path; each stream also re-checks its credential and policy
 * periodically (relay.ts), which covers a missed message and changes that are not broadcast (a
 * registry grant removed).
 */
export type StreamRegistry = {
  /** registers a stream's close function; returns the function that unregisters it */
  register: (owner: { userId: string; tokenId: string }, close: () => void) => () => void;
  /**
   * Takes a place for one more GET stream of the session and user in this process, within the caps
   * (each holds an upstream connection or channel listener for as long as the agent keeps it);
   * returns the function that gives it back, or which cap is full.
   */
  reserve: (owner: { userId: string; sessionId: string }) => (() => void) | "session" | "user";
};

/** Open GET streams per downstream session and per user, in one process (server/env.ts sets them). */
export type StreamCaps = { perSession: number; perUser: number };

const DEFAULT_STREAM_CAPS: StreamCaps = { perSession: 8, perUser: 500 };

function countDown(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
}

export type RevocationSubscriber = (onMessage: (message: TokenRevokedMessage) => void) => Promise<unknown>;

export function createStreamRegistry(
  subscribe: RevocationSubscriber = subscribeTokenRevocations,
  caps: StreamCaps = DEFAULT_STREAM_CAPS,
): StreamRegistry {
  const streams = new Set<{ userId: string; tokenId: string; close: () => void }>();
  const perSession = new Map<string, number>();
  const perUser = new Map<string, number>();
  let isSubscribed = false;

  const onRevoked = (message: TokenRevokedMessage) => {
    for (const stream of streams)
      if (
        stream.userId === message.userId &&
        (message.tokenId === null || message.tokenId === stream.tokenId)
      )
        stream.close();
  };

  const ensureSubscribed = () => {
    if (isSubscribed) return;
    isSubscribed = true;
    subscribe(onRevoked).catch((error: unknown) => {
      // Periodic re-checks still close streams; try to subscribe again with the next stream.
      isSubscribed = false;
      logger()
        .child({ component: "mcp" })
        .warn({ err: { message: (error as Error).message } }, "could not subscribe to token revocations");
    });
  };

  return {
    register(owner, close) {
      ensureSubscribed();
      const entry = { ...owner, close };
      streams.add(entry);
      return () => {
        streams.delete(entry);
      };
    },
    reserve({ userId, sessionId }) {
      const ofSession = perSession.get(sessionId) ?? 0;
      if (ofSession >= caps.perSession) return "session";
      const ofUser = perUser.get(userId) ?? 0;
      if (ofUser >= caps.perUser) return "user";
      perSession.set(sessionId, ofSession + 1);
      perUser.set(userId, ofUser + 1);
      let isReturned = false;
      return () => {
        if (isReturned) return;
        isReturned = true;
        countDown(perSession, sessionId);
        countDown(perUser, userId);
      };
    },
  };
}
