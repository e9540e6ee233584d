/**
 * Reading tRPC errors in the browser. The server's errorFormatter puts an AppError's safe details in
 * `data.details` (e.g. `{ field: "email" }`) and zod's per-field messages in `data.fieldErrors`.
 */
type ErrorData = {
  code?: string;
  appCode?: string;
  details?: Record<string, unknown>;
  fieldErrors?: Record<string, string[] | undefined>;
};

function dataOf(error: unknown): ErrorData | undefined {
  if (!error || typeof error !== "object" || !("data" in error)) return undefined;
  const data = (error as { data?: unknown }).data;
  return data && typeof data === "object" ? (data as ErrorData) : undefined;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong. Try again.";
}

/** The form field an error is about, if the server named one. */
export function errorField(error: unknown): string | undefined {
  const data = dataOf(error);
  const field = data?.details?.field;
  if (typeof field === "string") return field;
  const fieldErrors = data?.fieldErrors;
  if (fieldErrors) return Object.keys(fieldErrors).find((key) => (fieldErrors[key]?.length ?? 0) > 0);
  return undefined;
}

/** The message to show next to `field`: a validation message for it, or the error's own message. */
export function fieldMessage(error: unknown, field: string): string | undefined {
  if (!error || errorField(error) !== field) return undefined;
  return dataOf(error)?.fieldErrors?.[field]?.[0] ?? errorMessage(error);
}

export function isNotFound(error: unknown): boolean {
  const data = dataOf(error);
  return data?.code === "NOT_FOUND" || data?.appCode === "NOT_FOUND";
}
