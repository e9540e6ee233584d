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

/** The JSON body every HTTP error response uses: `{ error: { code, message, details? } }`. */
export function toHttpError(error: unknown): { status: number; body: { error: Record<string, unknown> } } {
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
