import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { db } from "../db";
import { APP_ERROR_CODES, GENERIC_MESSAGE, isAppError, normalizeError } from "../errors";
import { logger } from "../logger";

/**
 * tRPC setup: context, the one error mapping, and the procedure ladder
 * (publicProcedure → protectedProcedure → permissionProcedure(...) as identity lands).
 */
export type TrpcContext = {
  requestId: string;
  headers: Headers;
  /** the signed-in user; filled by the identity layer */
  session: { userId: string } | null;
  db: typeof db;
};

export function createTrpcContext(options: { headers: Headers }): TrpcContext {
  return {
    requestId: options.headers.get("x-request-id") ?? crypto.randomUUID(),
    headers: options.headers,
    session: null,
    db,
  };
}

const t = initTRPC.context<TrpcContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const isInternal = error.code === "INTERNAL_SERVER_ERROR" && !isAppError(cause);
    return {
      ...shape,
      // Internal failures never reach the client with their detail; they are logged instead.
      message: isInternal ? GENERIC_MESSAGE : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        appCode: isAppError(cause) ? cause.code : undefined,
        details: isAppError(cause) ? cause.details : undefined,
        fieldErrors: cause instanceof ZodError ? z.flattenError(cause).fieldErrors : undefined,
      },
    };
  },
});

export const createTrpcRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Turns AppError into the matching TRPCError and logs unexpected failures once, with the request id. */
const errorMapping = t.middleware(async ({ ctx, next, path, type }) => {
  const result = await next();
  if (!result.ok) {
    const cause = normalizeError(result.error.cause);
    if (isAppError(cause)) {
      throw new TRPCError({ code: APP_ERROR_CODES[cause.code].trpc, message: cause.message, cause });
    }
    if (result.error.code === "INTERNAL_SERVER_ERROR") {
      logger().error(
        { err: cause ?? result.error, path, type, requestId: ctx.requestId },
        "tRPC procedure failed",
      );
    }
  }
  return result;
});

export const publicProcedure = t.procedure.use(errorMapping);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  return next({ ctx: { ...ctx, session: ctx.session } });
});
