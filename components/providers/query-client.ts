import {
  defaultShouldDehydrateQuery,
  isServer,
  MutationCache,
  QueryCache,
  QueryClient,
} from "@tanstack/react-query";
import superjson from "superjson";
import { signInPathFor } from "@/server/auth/local-path";

/** A client error (4xx: bad input, not signed in, forbidden) will not change on a retry. */
function isClientError(error: unknown): boolean {
  if (!error || typeof error !== "object" || !("data" in error)) return false;
  const data = (error as { data?: { httpStatus?: unknown } }).data;
  return typeof data?.httpStatus === "number" && data.httpStatus >= 400 && data.httpStatus < 500;
}

function isSignedOut(error: unknown): boolean {
  if (!error || typeof error !== "object" || !("data" in error)) return false;
  return (error as { data?: { code?: unknown } }).data?.code === "UNAUTHORIZED";
}

/**
 * The session ended while a page was open (it expired, was signed out elsewhere, or the password
 * was changed): no retry or error card can help, so the browser goes to the sign-in page, which
 * brings the person back to this page afterwards.
 */
function sendToSignIn(error: unknown): void {
  if (isServer || !isSignedOut(error)) return;
  // A request still in flight when the person signed out must not reload a public page (and lose
  // its callbackUrl, error or reset message).
  if (/^\/(signin|invite|reset-password)(\/|$)/.test(window.location.pathname)) return;
  window.location.assign(signInPathFor(`${window.location.pathname}${window.location.search}`));
}

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: sendToSignIn }),
    mutationCache: new MutationCache({ onError: sendToSignIn }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // On the server a prefetch must not hold the page for retries: a failed one is simply left
        // out, and the browser fetches (and retries) it again, showing the section's error state.
        retry: (failureCount, error) => !isServer && !isClientError(error) && failureCount < 2,
      },
      dehydrate: {
        serializeData: superjson.serialize,
        shouldDehydrateQuery: (query) =>
          defaultShouldDehydrateQuery(query) || query.state.status === "pending",
      },
      hydrate: { deserializeData: superjson.deserialize },
    },
  });
}
