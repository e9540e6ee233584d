import { Search } from "lucide-react";
import type { ComponentProps } from "react";
import { cn } from "@/components/lib/utils";
import { Input } from "./input";

/** A search box: a type="search" input with the magnifier inside it. Give it an aria-label. */
export function SearchInput({
  className,
  wrapperClassName,
  ...props
}: Omit<ComponentProps<"input">, "type"> & { wrapperClassName?: string }) {
  return (
    <div data-slot="search-input" className={cn("relative", wrapperClassName)}>
      <Search
        className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground"
        aria-hidden="true"
      />
      <Input type="search" className={cn("pl-8", className)} {...props} />
    </div>
  );
}
