"use client";

import { X } from "lucide-react";
import { type KeyboardEvent, type ReactNode, useId, useState } from "react";
import { cn } from "@/components/lib/utils";
import { Card } from "@/components/ui/card";
import { FieldError } from "@/components/ui/field-error";
import { Markdown } from "@/components/ui/markdown";
import { Textarea } from "@/components/ui/textarea";

/** One titled block of a long form ("Basics", "Where it runs"), numbered so the order reads at a glance. */
export function FormSection({
  step,
  title,
  description,
  children,
  className,
  testId,
}: {
  step?: number;
  title: string;
  description?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  const headingId = useId();
  return (
    <Card className={cn("overflow-hidden", className)} data-testid={testId}>
      <section aria-labelledby={headingId}>
        <div className="flex items-start gap-3 border-b bg-muted/30 px-5 py-4">
          {step !== undefined && (
            <span
              aria-hidden="true"
              className="mt-0.5 flex size-6 shrink-0 items-center justify-center rounded-full bg-primary/10 text-xs font-semibold text-primary"
            >
              {step}
            </span>
          )}
          <div className="min-w-0 space-y-1">
            <h2 id={headingId} className="text-sm font-semibold">
              {title}
            </h2>
            {description && <p className="text-sm text-muted-foreground">{description}</p>}
          </div>
        </div>
        <div className="space-y-5 px-5 py-5">{children}</div>
      </section>
    </Card>
  );
}

export type Choice<T extends string> = {
  value: T;
  label: string;
  description: ReactNode;
  icon?: ReactNode;
  disabled?: boolean;
};

/** Radio buttons as cards: each option says what it means, not just its name. */
export function ChoiceCards<T extends string>({
  name,
  legend,
  value,
  onChange,
  choices,
  columns = 1,
  error,
}: {
  name: string;
  legend: string;
  value: T;
  onChange: (value: T) => void;
  choices: Choice<T>[];
  columns?: 1 | 2 | 3;
  error?: string;
}) {
  const baseId = useId();
  return (
    <fieldset className="space-y-2">
      <legend className="sr-only">{legend}</legend>
      <div
        className={cn(
          "grid gap-3",
          columns === 2 && "sm:grid-cols-2",
          columns === 3 && "sm:grid-cols-2 lg:grid-cols-3",
        )}
      >
        {choices.map((choice) => {
          const id = `${baseId}-${choice.value}`;
          const isChecked = value === choice.value;
          return (
            <label
              key={choice.value}
              htmlFor={id}
              className={cn(
                "flex cursor-pointer items-start gap-3 rounded-lg border p-3.5 transition-colors has-focus-visible:ring-[3px] has-focus-visible:ring-ring/50",
                isChecked ? "border-primary bg-primary/5" : "hover:bg-accent/50",
                choice.disabled && "cursor-not-allowed opacity-60",
              )}
            >
              <input
                id={id}
                type="radio"
                name={name}
                value={choice.value}
                checked={isChecked}
                disabled={choice.disabled}
                onChange={() => onChange(choice.value)}
                className="mt-0.5 size-4 shrink-0 accent-primary"
              />
              <span className="min-w-0 space-y-1">
                <span className="flex items-center gap-1.5 text-sm font-medium">
                  {choice.icon}
                  {choice.label}
                </span>
                <span className="block text-xs leading-relaxed text-muted-foreground">
                  {choice.description}
                </span>
              </span>
            </label>
          );
        })}
      </div>
      <FieldError id={`${baseId}-error`}>{error}</FieldError>
    </fieldset>
  );
}

const TAG_SPLIT_RE = /[\s,]+/;

/** Tags as removable chips; Enter, comma or space adds what was typed. Shown lowercase, as saved. */
export function TagInput({
  id,
  value,
  onChange,
  max = 10,
  invalid,
  describedById,
}: {
  id: string;
  value: string[];
  onChange: (tags: string[]) => void;
  max?: number;
  invalid?: boolean;
  describedById?: string;
}) {
  const [text, setText] = useState("");
  const add = (raw: string) => {
    const next = [...value];
    for (const part of raw.split(TAG_SPLIT_RE)) {
      const tag = part.trim().toLowerCase();
      if (tag && !next.includes(tag)) next.push(tag);
    }
    onChange(next);
    setText("");
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter" || event.key === "," || event.key === " ") {
      if (text.trim()) {
        event.preventDefault();
        add(text);
      } else if (event.key === "Enter") {
        event.preventDefault();
      }
    } else if (event.key === "Backspace" && text === "" && value.length > 0) {
      onChange(value.slice(0, -1));
    }
  };
  return (
    <div
      className={cn(
        "flex min-h-9 w-full flex-wrap items-center gap-1.5 rounded-md border border-input bg-background px-2 py-1.5 shadow-xs transition-colors focus-within:border-ring focus-within:ring-[3px] focus-within:ring-ring/50 dark:bg-input/20",
        invalid && "border-destructive",
      )}
    >
      {value.map((tag) => (
        <span
          key={tag}
          className="inline-flex h-6 max-w-full items-center gap-1 rounded-full border bg-secondary pr-1 pl-2.5 text-xs font-medium text-secondary-foreground"
          data-testid="tag-chip"
        >
          <span className="truncate">{tag}</span>
          <button
            type="button"
            onClick={() => onChange(value.filter((candidate) => candidate !== tag))}
            className="inline-flex size-4 items-center justify-center rounded-full text-muted-foreground outline-none hover:bg-background hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring/50"
            aria-label={`Remove tag ${tag}`}
          >
            <X className="size-3" aria-hidden="true" />
          </button>
        </span>
      ))}
      <input
        id={id}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => text.trim() && add(text)}
        placeholder={value.length === 0 ? "e.g. weather, internal" : value.length >= max ? "" : "Add a tag"}
        className="h-6 min-w-24 flex-1 bg-transparent text-sm outline-none placeholder:text-muted-foreground"
        aria-invalid={invalid || undefined}
        aria-describedby={describedById}
        maxLength={60}
      />
    </div>
  );
}

/** A markdown textarea with a Write / Preview switch; the preview renders it the way the catalog will. */
export function MarkdownField({
  id,
  value,
  onChange,
  placeholder,
  rows = 6,
  maxLength,
  aria,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  rows?: number;
  maxLength?: number;
  aria?: { "aria-invalid"?: true; "aria-describedby"?: string };
}) {
  const [mode, setMode] = useState<"write" | "preview">("write");
  return (
    <div className="overflow-hidden rounded-md border border-input shadow-xs focus-within:border-ring focus-within:ring-[3px] focus-within:ring-ring/50">
      <div
        role="tablist"
        aria-label="Description editor"
        className="flex gap-1 border-b bg-muted/40 px-2 pt-1.5"
      >
        {(["write", "preview"] as const).map((tab) => (
          <button
            key={tab}
            type="button"
            role="tab"
            aria-selected={mode === tab}
            onClick={() => setMode(tab)}
            className={cn(
              "-mb-px rounded-t-md border-b-2 px-2.5 pt-1 pb-1.5 text-xs font-medium outline-none focus-visible:ring-2 focus-visible:ring-ring/50",
              mode === tab
                ? "border-primary text-foreground"
                : "border-transparent text-muted-foreground hover:text-foreground",
            )}
          >
            {tab === "write" ? "Write" : "Preview"}
          </button>
        ))}
        <span className="ml-auto self-center pb-1 text-[0.6875rem] text-muted-foreground">Markdown</span>
      </div>
      {mode === "write" ? (
        <Textarea
          id={id}
          value={value}
          onChange={(event) => onChange(event.target.value)}
          placeholder={placeholder}
          rows={rows}
          maxLength={maxLength}
          className="rounded-none border-0 shadow-none focus-visible:ring-0"
          {...aria}
        />
      ) : (
        <div className="min-h-32 px-3 py-2.5" data-testid="markdown-preview">
          {value.trim() ? (
            <Markdown>{value}</Markdown>
          ) : (
            <p className="text-sm text-muted-foreground italic">Nothing to preview yet.</p>
          )}
        </div>
      )}
    </div>
  );
}
