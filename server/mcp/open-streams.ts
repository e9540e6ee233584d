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
};

export type RevocationSubscriber = (onMessage: (message: TokenRevokedMessage) => void) => Promise<unknown>;

export function createStreamRegistry(
  subscribe: RevocationSubscriber = subscribeTokenRevocations,
): StreamRegistry {
  const streams = new Set<{ userId: string; tokenId: string; close: () => void }>();
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
  };
}
