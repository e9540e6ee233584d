import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { auditContextFromHeaders, recordAudit } from "../audit/record";
import { sessionFromHeaders } from "../auth/session";
import { db } from "../db";
import { APP_ERROR_CODES, GENERIC_MESSAGE, isAppError, normalizeError } from "../errors";
import { logger } from "../logger";
import { can, type Permission, PermissionDeniedError } from "../policy/permissions";
import type { CurrentSession } from "../services/auth/sessions";

/**
 * tRPC setup: context, the one error mapping, and the procedure ladder
 * publicProcedure → protectedProcedure (signed in) → permissionProcedure("resource.action").
 */
export type TrpcContext = {
  requestId: string;
  headers: Headers;
  /** the signed-in user's live session, checked against the database on this request */
  session: CurrentSession | null;
  db: typeof db;
};

/**
 * `session` may be passed in (tests, server-side callers that already resolved it); otherwise it is
 * read from the request's session cookie.
 */
export async function createTrpcContext(options: {
  headers: Headers;
  session?: CurrentSession | null;
}): Promise<TrpcContext> {
  return {
    requestId: options.headers.get("x-request-id") ?? crypto.randomUUID(),
    headers: options.headers,
    session: options.session !== undefined ? options.session : await sessionOrOutage(options.headers),
    db,
  };
}

/** Resolving the session needs the database; an outage there is a 503, not an internal error. */
async function sessionOrOutage(headers: Headers): Promise<CurrentSession | null> {
  try {
    return await sessionFromHeaders(headers);
  } catch (error) {
    const normalized = normalizeError(error);
    if (isAppError(normalized)) {
      throw new TRPCError({
        code: APP_ERROR_CODES[normalized.code].trpc,
        message: normalized.message,
        cause: normalized,
      });
    }
    throw error;
  }
}

/**
 * An input the procedure's schema refused, in words: its first problem, named by its field
 * (zod's own message is the JSON of every issue, which no form should show a person).
 */
function readableInputError(error: ZodError): string {
  const [first] = error.issues;
  if (!first) return "The input is not valid.";
  const field = first.path.map(String).join(".");
  const more =
    error.issues.length > 1
      ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? "s" : ""})`
      : "";
  return `${field ? `${field}: ` : ""}${first.message}${more}`;
}

const t = initTRPC.context<TrpcContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const isInternal = error.code === "INTERNAL_SERVER_ERROR" && !isAppError(cause);
    return {
      ...shape,
      // Internal failures never reach the client with their detail; they are logged instead.
      message: isInternal
        ? GENERIC_MESSAGE
        : cause instanceof ZodError
          ? readableInputError(cause)
          : shape.message,
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

/**
 * Signed in and holding `permission` (or, given several, at least one of them). A refusal is
 * audited: a user calling a procedure the UI never offered them is either a bug or an escalation
 * attempt, and both are worth seeing.
 */
export function permissionProcedure(permission: Permission | readonly [Permission, ...Permission[]]) {
  const anyOf: readonly Permission[] = typeof permission === "string" ? [permission] : permission;
  return protectedProcedure.use(async ({ ctx, next, path }) => {
    if (!anyOf.some((held) => can(ctx.session.user, held))) {
      await recordAudit(ctx.db(), auditContextFromHeaders(ctx.headers, ctx.session.user.id), {
        action: "auth.denied",
        outcome: "DENIED",
        reason: `missing permission ${anyOf.join(" or ")}`,
        metadata: { procedure: path, role: ctx.session.user.role },
      });
      throw new PermissionDeniedError(anyOf[0] as Permission);
    }
    return next();
  });
}
