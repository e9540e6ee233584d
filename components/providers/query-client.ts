import { defaultShouldDehydrateQuery, isServer, QueryClient } from "@tanstack/react-query";
import superjson from "superjson";

/** A client error (4xx: bad input, not signed in, forbidden) will not change on a retry. */
function isClientError(error: unknown): boolean {
  if (!error || typeof error !== "object" || !("data" in error)) return false;
  const data = (error as { data?: { httpStatus?: unknown } }).data;
  return typeof data?.httpStatus === "number" && data.httpStatus >= 400 && data.httpStatus < 500;
}

export function makeQueryClient(): QueryClient {
  return new QueryClient({
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
