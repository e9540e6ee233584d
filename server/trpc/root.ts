import { createCallerFactory, createTrpcRouter } from "./init";
import { systemRouter } from "./routers/system";

export const appRouter = createTrpcRouter({
  system: systemRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
