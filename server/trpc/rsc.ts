import "server-only";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { headers } from "next/headers";
import { cache } from "react";
import { makeQueryClient } from "@/components/providers/query-client";
import { createTrpcContext } from "./init";
import { appRouter, createCaller } from "./root";

/**
 * tRPC for React Server Components: `api` calls procedures directly (no HTTP), and `trpc` gives
 * query options for prefetching into the per-request query client.
 */
const createContext = cache(async () => createTrpcContext({ headers: new Headers(await headers()) }));

export const getQueryClient = cache(makeQueryClient);

export const trpc = createTRPCOptionsProxy({
  ctx: createContext,
  router: appRouter,
  queryClient: getQueryClient,
});

export const api = cache(async () => createCaller(await createContext()));
