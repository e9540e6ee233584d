import type { ComponentProps } from "react";
import { cn } from "@/components/lib/utils";

type SeparatorProps = ComponentProps<"div"> & { orientation?: "horizontal" | "vertical" };

/** A visual divider only (hidden from assistive technology); use <hr> where the break carries meaning. */
export function Separator({ className, orientation = "horizontal", ...props }: SeparatorProps) {
  return (
    <div
      data-slot="separator"
      role="none"
      className={cn(
        "shrink-0 bg-border",
        orientation === "horizontal" ? "h-px w-full" : "h-full w-px",
        className,
      )}
      {...props}
    />
  );
}
