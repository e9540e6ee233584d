"use client";

import { Eye, EyeOff, KeyRound, LockKeyhole, Undo2 } from "lucide-react";
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { cn } from "@/components/lib/utils";
import { Button } from "@/components/ui/button";
import { FieldError, FormError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";

/**
 * The form generated from a server version's per-user configuration fields, used to connect and to
 * edit a connection. Secrets are password inputs that can be shown while typing; when editing,
 * a stored secret is never sent to the browser: it shows as "set" and can be replaced or cleared,
 * and left alone it keeps its value. Field errors come from the server's `details.fieldErrors`.
 */
export type ConfigurationField = {
  name: string;
  label: string;
  description: string;
  secret: boolean;
  required: boolean;
  default: string | null;
  choices: string[] | null;
  target: "env" | "header" | "url-variable" | "argument";
  /** editing: the stored plain value (null when unset) */
  stored?: string | null;
  /** editing: whether a secret value is stored */
  isSet?: boolean;
};

export type ConfigurationSubmit = { name: string; values: Record<string, string>; clearSecrets: string[] };

type SecretMode = "keep" | "replace" | "clear";

const TARGET_HINTS: Record<ConfigurationField["target"], (name: string) => string> = {
  header: (name) => `Header ${name}`,
  env: (name) => `Variable ${name}`,
  "url-variable": (name) => `URL {${name}}`,
  argument: (name) => `Argument ${name}`,
};

type ErrorData = { details?: { fieldErrors?: unknown }; fieldErrors?: Record<string, string[] | undefined> };

function errorData(error: unknown): ErrorData | undefined {
  if (!error || typeof error !== "object" || !("data" in error)) return undefined;
  const data = (error as { data?: unknown }).data;
  return data && typeof data === "object" ? (data as ErrorData) : undefined;
}

/** Per-field messages from the service (`details.fieldErrors`, keyed by field name). */
function configFieldErrors(error: unknown): Record<string, string[]> {
  const raw = errorData(error)?.details?.fieldErrors;
  if (!raw || typeof raw !== "object") return {};
  const result: Record<string, string[]> = {};
  for (const [name, messages] of Object.entries(raw as Record<string, unknown>)) {
    if (Array.isArray(messages)) result[name] = messages.filter((m): m is string => typeof m === "string");
  }
  return result;
}

function initialValue(field: ConfigurationField, mode: "create" | "edit"): string {
  if (field.secret) return "";
  if (mode === "edit") return field.stored ?? field.default ?? "";
  return field.default ?? "";
}

function SecretInput({
  id,
  label,
  value,
  onChange,
  placeholder,
  describedBy,
  isInvalid,
  required,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  describedBy?: string;
  isInvalid: boolean;
  required: boolean;
}) {
  const [isVisible, setIsVisible] = useState(false);
  return (
    <div className="relative">
      <Input
        id={id}
        type={isVisible ? "text" : "password"}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        placeholder={placeholder}
        // Not the user's Gatehouse password: keep the browser's password manager out of it.
        autoComplete="new-password"
        spellCheck={false}
        autoCapitalize="off"
        className="pr-10 font-mono"
        aria-required={required || undefined}
        aria-invalid={isInvalid || undefined}
        aria-describedby={describedBy}
        data-secret="true"
      />
      <Button
        variant="ghost"
        size="icon-sm"
        className="absolute top-0.5 right-0.5 text-muted-foreground"
        aria-label={isVisible ? `Hide ${label}` : `Show ${label}`}
        aria-pressed={isVisible}
        onClick={() => setIsVisible((visible) => !visible)}
      >
        {isVisible ? <EyeOff aria-hidden="true" /> : <Eye aria-hidden="true" />}
      </Button>
    </div>
  );
}

export function ConfigurationForm({
  mode,
  fields,
  initialName,
  namePlaceholder,
  emptyNote,
  isPending,
  error,
  submitLabel,
  pendingLabel,
  onSubmit,
  onCancel,
  testId,
}: {
  mode: "create" | "edit";
  fields: ConfigurationField[];
  initialName: string;
  namePlaceholder?: string;
  /** shown instead of the fields when the server needs none */
  emptyNote?: ReactNode;
  isPending: boolean;
  error: unknown;
  submitLabel: string;
  pendingLabel: string;
  onSubmit: (submit: ConfigurationSubmit) => void;
  onCancel?: () => void;
  testId?: string;
}) {
  const formId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [name, setName] = useState(initialName);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.map((field) => [field.name, initialValue(field, mode)])),
  );
  const [secretModes, setSecretModes] = useState<Record<string, SecretMode>>(() =>
    Object.fromEntries(
      fields.filter((f) => f.secret).map((f) => [f.name, mode === "edit" && f.isSet ? "keep" : "replace"]),
    ),
  );

  const fieldErrors = configFieldErrors(error);
  const nameError = errorData(error)?.fieldErrors?.name?.[0];
  const known = new Set(fields.map((field) => field.name));
  const unknownErrors = Object.entries(fieldErrors).filter(([fieldName]) => !known.has(fieldName));
  const hasFieldErrors = Object.keys(fieldErrors).length > unknownErrors.length || Boolean(nameError);
  let formMessage: string | undefined;
  if (error && !hasFieldErrors) {
    formMessage =
      unknownErrors.length > 0
        ? unknownErrors.map(([fieldName, messages]) => `${fieldName}: ${messages.join(", ")}`).join("; ")
        : error instanceof Error
          ? error.message
          : "Something went wrong. Try again.";
  }

  // After a refused submit, take the person to the first field that needs attention.
  useEffect(() => {
    if (!error) return;
    formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
  }, [error]);

  const setValue = (fieldName: string, value: string) =>
    setValues((current) => ({ ...current, [fieldName]: value }));
  const setSecretMode = (fieldName: string, next: SecretMode) => {
    setSecretModes((current) => ({ ...current, [fieldName]: next }));
    if (next !== "replace") setValue(fieldName, "");
  };

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const submitted: Record<string, string> = {};
    const clearSecrets: string[] = [];
    for (const field of fields) {
      const value = values[field.name] ?? "";
      if (!field.secret) submitted[field.name] = value;
      else if (secretModes[field.name] === "clear") clearSecrets.push(field.name);
      // A secret left blank means "keep what is stored" (or "not set" when nothing is).
      else if (value !== "") submitted[field.name] = value;
    }
    onSubmit({ name: name.trim(), values: submitted, clearSecrets });
  }

  return (
    <form ref={formRef} onSubmit={submit} className="space-y-6" data-testid={testId} noValidate>
      <div className="space-y-2">
        <Label htmlFor={`${formId}-name`}>Connection name</Label>
        <Input
          id={`${formId}-name`}
          value={name}
          maxLength={100}
          placeholder={namePlaceholder}
          onChange={(event) => setName(event.target.value)}
          aria-invalid={Boolean(nameError) || undefined}
          aria-describedby={`${formId}-name-help${nameError ? ` ${formId}-name-error` : ""}`}
          data-testid="connection-name-input"
        />
        <p id={`${formId}-name-help`} className="text-xs text-muted-foreground">
          How this connection appears in your list. Client snippets use a short form of it as the server's
          name.
        </p>
        <FieldError id={`${formId}-name-error`}>{nameError}</FieldError>
      </div>

      {fields.length === 0 ? (
        emptyNote
      ) : (
        <fieldset className="space-y-5">
          <legend className="mb-4 text-sm font-semibold">Configuration</legend>
          {fields.map((field) => {
            const id = `${formId}-field-${field.name}`;
            const messages = fieldErrors[field.name];
            const errorId = `${id}-error`;
            const descriptionId = `${id}-description`;
            const describedBy =
              [field.description ? descriptionId : null, messages ? errorId : null]
                .filter(Boolean)
                .join(" ") || undefined;
            const isInvalid = Boolean(messages);
            const secretMode = secretModes[field.name];
            let control: ReactNode;
            if (field.secret && secretMode === "keep") {
              control = (
                <div
                  className="flex h-9 items-center gap-2 rounded-md border bg-muted/40 pr-1 pl-3 text-sm"
                  data-testid="secret-set"
                >
                  <KeyRound className="size-3.5 text-muted-foreground" aria-hidden="true" />
                  <span className="font-mono tracking-widest text-muted-foreground" aria-hidden="true">
                    ••••
                  </span>
                  <span id={id}>set</span>
                  <div className="ml-auto flex gap-1">
                    <Button variant="ghost" size="sm" onClick={() => setSecretMode(field.name, "replace")}>
                      Replace<span className="sr-only"> {field.label}</span>
                    </Button>
                    <Button
                      variant="ghost"
                      size="sm"
                      className="text-destructive hover:text-destructive"
                      onClick={() => setSecretMode(field.name, "clear")}
                    >
                      Clear<span className="sr-only"> {field.label}</span>
                    </Button>
                  </div>
                </div>
              );
            } else if (field.secret && secretMode === "clear") {
              control = (
                <div
                  className={cn(
                    "flex h-9 items-center gap-2 rounded-md border border-dashed pr-1 pl-3 text-sm text-muted-foreground",
                    isInvalid && "border-destructive",
                  )}
                  data-testid="secret-cleared"
                >
                  <span id={id}>Will be removed when you save</span>
                  <Button
                    variant="ghost"
                    size="sm"
                    className="ml-auto"
                    onClick={() => setSecretMode(field.name, "keep")}
                  >
                    <Undo2 aria-hidden="true" />
                    Keep it
                  </Button>
                </div>
              );
            } else if (field.secret) {
              control = (
                <div className="flex items-center gap-2">
                  <div className="min-w-0 flex-1">
                    <SecretInput
                      id={id}
                      label={field.label}
                      value={values[field.name] ?? ""}
                      onChange={(value) => setValue(field.name, value)}
                      placeholder={mode === "edit" && field.isSet ? "Enter a new value" : undefined}
                      describedBy={describedBy}
                      isInvalid={isInvalid}
                      required={field.required}
                    />
                  </div>
                  {mode === "edit" && field.isSet && (
                    <Button variant="ghost" size="sm" onClick={() => setSecretMode(field.name, "keep")}>
                      Cancel<span className="sr-only"> replacing {field.label}</span>
                    </Button>
                  )}
                </div>
              );
            } else if (field.choices) {
              const hasEmpty = !field.required || field.default === null;
              control = (
                <NativeSelect
                  id={id}
                  value={values[field.name] ?? ""}
                  onChange={(event) => setValue(field.name, event.target.value)}
                  aria-required={field.required || undefined}
                  aria-invalid={isInvalid || undefined}
                  aria-describedby={describedBy}
                >
                  {hasEmpty && <option value="">{field.required ? "Choose…" : "Not set"}</option>}
                  {field.choices.map((choice) => (
                    <option key={choice} value={choice}>
                      {choice}
                    </option>
                  ))}
                </NativeSelect>
              );
            } else {
              control = (
                <Input
                  id={id}
                  value={values[field.name] ?? ""}
                  onChange={(event) => setValue(field.name, event.target.value)}
                  placeholder={field.default ? `Default: ${field.default}` : undefined}
                  autoComplete="off"
                  spellCheck={false}
                  aria-required={field.required || undefined}
                  aria-invalid={isInvalid || undefined}
                  aria-describedby={describedBy}
                />
              );
            }
            return (
              <div key={field.name} className="space-y-2" data-testid="config-field" data-field={field.name}>
                <div className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1">
                  <Label htmlFor={id}>
                    {field.label}
                    {field.required && (
                      <>
                        <span className="ml-0.5 text-destructive" aria-hidden="true">
                          *
                        </span>
                        <span className="sr-only"> (required)</span>
                      </>
                    )}
                  </Label>
                  <span className="flex min-w-0 items-center gap-2 text-[11px] text-muted-foreground">
                    {field.secret && (
                      <span className="inline-flex items-center gap-1 rounded border px-1.5 py-px font-medium">
                        <LockKeyhole className="size-3" aria-hidden="true" />
                        Secret
                      </span>
                    )}
                    <span className="truncate font-mono">{TARGET_HINTS[field.target](field.name)}</span>
                  </span>
                </div>
                {control}
                {field.description && (
                  <p
                    id={descriptionId}
                    className="whitespace-pre-line break-words text-xs text-muted-foreground"
                  >
                    {field.description}
                  </p>
                )}
                <FieldError id={errorId}>{messages?.join(" ")}</FieldError>
              </div>
            );
          })}
        </fieldset>
      )}

      {hasFieldErrors && !formMessage && (
        <p className="sr-only" role="alert">
          Some values need attention.
        </p>
      )}
      {formMessage && <FormError>{formMessage}</FormError>}

      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        {onCancel && (
          <Button variant="outline" onClick={onCancel} disabled={isPending}>
            Cancel
          </Button>
        )}
        <Button type="submit" disabled={isPending} data-testid="configuration-submit">
          {isPending ? pendingLabel : submitLabel}
        </Button>
      </div>
    </form>
  );
}
