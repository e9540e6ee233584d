import type { ComponentProps } from "react";
import { cn } from "@/components/lib/utils";

/** Gatehouse's mark: a shield with an arched, barred gate. Colours follow the theme. */
export function LogoMark({ className, ...props }: ComponentProps<"svg">) {
  return (
    <svg viewBox="0 0 32 32" aria-hidden="true" className={cn("size-7", className)} {...props}>
      <path
        className="fill-primary"
        d="M16 2.5 27 6.6v8.6c0 6.9-4.6 12.1-11 14.3C9.6 27.3 5 22.1 5 15.2V6.6Z"
      />
      <path className="fill-primary-foreground" d="M10 24.5V15a6 6 0 0 1 12 0v9.5Z" />
      <path
        className="stroke-primary"
        strokeWidth="1.8"
        strokeLinecap="round"
        d="M14 9.5v15M18 9.5v15M10 18.5h12"
      />
    </svg>
  );
}

export function Logo({ className }: { className?: string }) {
  return (
    <span className={cn("flex items-center gap-2.5", className)}>
      <LogoMark />
      <span className="text-[0.95rem] font-semibold tracking-tight">Gatehouse</span>
    </span>
  );
}
