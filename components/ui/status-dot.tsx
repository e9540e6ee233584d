import type { ComponentProps } from "react";
import { cn } from "@/components/lib/utils";

export type Health = "ok" | "warn" | "fail" | "unknown";

const DOT: Record<Health, string> = {
  ok: "bg-success ring-success/20",
  warn: "bg-warning ring-warning/25",
  fail: "bg-destructive ring-destructive/20",
  unknown: "bg-muted-foreground/50 ring-muted-foreground/15",
};

type StatusDotProps = Omit<ComponentProps<"span">, "children"> & {
  status: Health;
  /** spoken name of the state; omit when visible text next to the dot already says it */
  label?: string;
};

/** A small coloured dot for health. Colour is never the only signal: pair it with text or a label. */
export function StatusDot({ status, label, className, ...props }: StatusDotProps) {
  const classes = cn("inline-block size-2 shrink-0 rounded-full ring-[3px]", DOT[status], className);
  if (label) {
    return (
      <span
        data-slot="status-dot"
        data-status={status}
        role="img"
        aria-label={label}
        className={classes}
        {...props}
      />
    );
  }
  return (
    <span data-slot="status-dot" data-status={status} aria-hidden="true" className={classes} {...props} />
  );
}
