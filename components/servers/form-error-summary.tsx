"use client";

import { AlertCircle } from "lucide-react";
import { useEffect, useRef } from "react";
import { errorSummary } from "./field-errors";

/**
 * The refusal of a whole form, at its top: every problem the server named, so nothing is missed
 * in a long form. It takes focus when it appears, so keyboard and screen-reader users land on it.
 */
export function FormErrorSummary({ error, title }: { error: unknown; title?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const messages = errorSummary(error);
  useEffect(() => {
    if (error && ref.current) {
      ref.current.focus();
      ref.current.scrollIntoView({ block: "center", behavior: "smooth" });
    }
  }, [error]);
  if (messages.length === 0) return null;
  return (
    <div
      ref={ref}
      tabIndex={-1}
      role="alert"
      data-testid="form-error-summary"
      className="flex gap-3 rounded-lg border border-destructive/30 bg-destructive/10 px-4 py-3 text-sm text-destructive outline-none"
    >
      <AlertCircle className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
      <div className="min-w-0 space-y-1">
        <p className="font-medium">
          {title ??
            (messages.length === 1
              ? "This couldn't be saved:"
              : `This couldn't be saved: ${messages.length} problems`)}
        </p>
        {messages.length === 1 ? (
          <p className="break-words">{messages[0]}</p>
        ) : (
          <ul className="list-disc space-y-0.5 pl-4">
            {messages.map((message) => (
              <li key={message} className="break-words">
                {message}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
