import { RefreshCw, TriangleAlert } from "lucide-react";
import type { ComponentProps, ReactNode } from "react";
import { cn } from "@/components/lib/utils";
import { Button } from "./button";

type ErrorStateProps = Omit<ComponentProps<"div">, "title"> & {
  title: ReactNode;
  /** the server's message; rendered as text, never as markup */
  message?: string;
  onRetry?: () => void;
  isRetrying?: boolean;
};

/** A section that failed to load: says so plainly and offers to try again. */
export function ErrorState({ title, message, onRetry, isRetrying, className, ...props }: ErrorStateProps) {
  return (
    <div
      data-slot="error-state"
      role="alert"
      className={cn(
        "flex flex-col items-start gap-3 rounded-lg border border-destructive/30 bg-destructive/5 p-4 sm:flex-row sm:items-center",
        className,
      )}
      {...props}
    >
      <TriangleAlert className="size-5 shrink-0 text-destructive" aria-hidden="true" />
      <div className="min-w-0 flex-1 space-y-0.5">
        <p className="text-sm font-medium">{title}</p>
        {message && <p className="break-words text-sm text-muted-foreground">{message}</p>}
      </div>
      {onRetry && (
        <Button variant="outline" size="sm" onClick={onRetry} disabled={isRetrying}>
          <RefreshCw className={cn(isRetrying && "animate-spin")} aria-hidden="true" />
          Retry
        </Button>
      )}
    </div>
  );
}
