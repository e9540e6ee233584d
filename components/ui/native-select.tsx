import { ChevronDown } from "lucide-react";
import type { ComponentProps } from "react";
import { cn } from "@/components/lib/utils";

/**
 * A styled native <select>: keyboard, screen reader and mobile pickers work as the platform does,
 * and tests drive it with selectOption.
 */
export function NativeSelect({
  className,
  wrapperClassName,
  size = "default",
  ...props
}: Omit<ComponentProps<"select">, "size"> & { wrapperClassName?: string; size?: "default" | "sm" }) {
  return (
    <div data-slot="native-select" className={cn("relative inline-flex w-full", wrapperClassName)}>
      <select
        className={cn(
          "w-full min-w-0 appearance-none rounded-md border border-input bg-background pr-8 pl-3 text-sm shadow-xs outline-none transition-colors focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/50 disabled:cursor-not-allowed disabled:opacity-50 aria-invalid:border-destructive dark:bg-input/20 dark:[&>option]:bg-popover",
          size === "sm" ? "h-8" : "h-9",
          className,
        )}
        {...props}
      />
      <ChevronDown
        className="pointer-events-none absolute top-1/2 right-2.5 size-4 -translate-y-1/2 text-muted-foreground"
        aria-hidden="true"
      />
    </div>
  );
}
