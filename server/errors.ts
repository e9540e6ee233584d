/**
 * One error type for expected failures. Services throw it; adapters map it in one place
 * (tRPC errorFormatter, route handlers via `toHttpError`, the MCP proxy via `toJsonRpcError`).
 * Anything that is not an AppError is an unexpected failure: logged in full, answered with a
 * generic message and no detail.
 */
export const APP_ERROR_CODES = {
  BAD_REQUEST: { http: 400, trpc: "BAD_REQUEST", jsonRpc: -32600 },
  UNAUTHORIZED: { http: 401, trpc: "UNAUTHORIZED", jsonRpc: -32001 },
  FORBIDDEN: { http: 403, trpc: "FORBIDDEN", jsonRpc: -32003 },
  NOT_FOUND: { http: 404, trpc: "NOT_FOUND", jsonRpc: -32004 },
  CONFLICT: { http: 409, trpc: "CONFLICT", jsonRpc: -32009 },
  PAYLOAD_TOO_LARGE: { http: 413, trpc: "PAYLOAD_TOO_LARGE", jsonRpc: -32600 },
  RATE_LIMITED: { http: 429, trpc: "TOO_MANY_REQUESTS", jsonRpc: -32029 },
  UNAVAILABLE: { http: 503, trpc: "SERVICE_UNAVAILABLE", jsonRpc: -32050 },
  INTERNAL: { http: 500, trpc: "INTERNAL_SERVER_ERROR", jsonRpc: -32603 },
} as const;

export type AppErrorCode = keyof typeof APP_ERROR_CODES;

export class AppError extends Error {
  readonly code: AppErrorCode;
  /** Safe, structured detail for the client (field errors, retry hints). Never secrets. */
  readonly details?: Record<string, unknown>;

  constructor(
    code: AppErrorCode,
    message: string,
    options?: { details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, { cause: options?.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options?.details;
  }

  get httpStatus(): number {
    return APP_ERROR_CODES[this.code].http;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

const GENERIC_MESSAGE = "Something went wrong on our side. The error has been logged.";

// Prisma's codes for "cannot reach / timed out talking to the database".
const PRISMA_UNAVAILABLE_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
const REDIS_UNAVAILABLE =
  /Connection is closed|Command timed out|Reached the max retries per request|Stream isn't writeable|ECONNREFUSED|ETIMEDOUT/;

/**
 * A dependency outage (PostgreSQL or Redis unreachable) is not a bug: the client gets a 503 it
 * can retry, saying which part is down, and nothing about hosts or credentials.
 */
export function asDependencyOutage(error: unknown): AppError | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && PRISMA_UNAVAILABLE_CODES.has(code)) {
    return new AppError("UNAVAILABLE", "The database is unreachable right now. Try again shortly.", {
      cause: error,
    });
  }
  const isRedis = error.name === "MaxRetriesPerRequestError" || /redis|ioredis/i.test(error.stack ?? "");
  if (isRedis && REDIS_UNAVAILABLE.test(error.message)) {
    return new AppError("UNAVAILABLE", "Redis is unreachable right now. Try again shortly.", {
      cause: error,
    });
  }
  return null;
}

/** AppErrors pass through; outages become UNAVAILABLE; anything else stays as it is (a bug). */
export function normalizeError(error: unknown): unknown {
  return isAppError(error) ? error : (asDependencyOutage(error) ?? error);
}

/** The JSON body every HTTP error response uses: `{ error: { code, message, details? } }`. */
export function toHttpError(raw: unknown): { status: number; body: { error: Record<string, unknown> } } {
  const error = normalizeError(raw);
  if (isAppError(error)) {
    return {
      status: error.httpStatus,
      body: {
        error: { code: error.code, message: error.message, ...(error.details && { details: error.details }) },
      },
    };
  }
  return { status: 500, body: { error: { code: "INTERNAL", message: GENERIC_MESSAGE } } };
}

export function toJsonRpcError(error: unknown): {
  code: number;
  message: string;
  data?: Record<string, unknown>;
} {
  if (isAppError(error)) {
    return {
      code: APP_ERROR_CODES[error.code].jsonRpc,
      message: error.message,
      ...(error.details && { data: error.details }),
    };
  }
  return { code: APP_ERROR_CODES.INTERNAL.jsonRpc, message: GENERIC_MESSAGE };
}

export { GENERIC_MESSAGE };
