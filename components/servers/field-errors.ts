import { errorMessage } from "@/components/lib/errors";

/**
 * Field-by-field messages of a refused servers.* mutation. The services put theirs in
 * `data.details.fieldErrors` keyed by input path ("url", "slug", "configSchema.0.name",
 * "sharedValues.API_KEY"); zod input errors arrive flattened in `data.fieldErrors`.
 */
export type FieldErrors = Record<string, string[]>;

type ErrorData = { details?: { fieldErrors?: unknown }; fieldErrors?: unknown };

function asFieldErrors(raw: unknown): FieldErrors {
  if (!raw || typeof raw !== "object") return {};
  const out: FieldErrors = {};
  for (const [key, messages] of Object.entries(raw as Record<string, unknown>)) {
    if (!Array.isArray(messages)) continue;
    const texts = messages.filter((message): message is string => typeof message === "string");
    if (texts.length > 0) out[key] = texts;
  }
  return out;
}

export function fieldErrorsOf(error: unknown): FieldErrors {
  if (!error || typeof error !== "object" || !("data" in error)) return {};
  const data = (error as { data?: unknown }).data as ErrorData | undefined;
  if (!data || typeof data !== "object") return {};
  return { ...asFieldErrors(data.fieldErrors), ...asFieldErrors(data.details?.fieldErrors) };
}

/** The first message for `key`, or undefined. */
export function firstError(errors: FieldErrors, key: string): string | undefined {
  return errors[key]?.[0];
}

/** Every message, in the order the server sent them; the error's own message when there are none. */
export function errorSummary(error: unknown): string[] {
  if (!error) return [];
  const messages = Object.values(fieldErrorsOf(error)).flat();
  return messages.length > 0 ? [...new Set(messages)] : [errorMessage(error)];
}
