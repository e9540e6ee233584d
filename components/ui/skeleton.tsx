import type { ComponentProps } from "react";
import { cn } from "@/components/lib/utils";

/** A grey placeholder block shown while data loads. */
export function Skeleton({ className, ...props }: ComponentProps<"div">) {
  return (
    <div
      data-slot="skeleton"
      aria-hidden="true"
      className={cn("animate-pulse rounded-md bg-muted", className)}
      {...props}
    />
  );
}
