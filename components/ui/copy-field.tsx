"use client";

import { Check, Copy } from "lucide-react";
import { useRef } from "react";
import { toast } from "sonner";
import { useCopy } from "@/components/lib/use-copy";
import { cn } from "@/components/lib/utils";
import { Button } from "./button";

/**
 * A value shown once (an invitation link, a temporary password) with a copy button. The value sits
 * in a read-only input so it can also be selected by hand where the clipboard API is unavailable.
 */
export function CopyField({
  value,
  label,
  testId,
  isSecret = false,
  className,
}: {
  value: string;
  /** spoken name of the field, e.g. "Invitation link" */
  label: string;
  testId?: string;
  isSecret?: boolean;
  className?: string;
}) {
  const inputRef = useRef<HTMLInputElement>(null);
  const { isCopied, copy } = useCopy(label, () => {
    // No clipboard access: select it for Ctrl+C instead.
    inputRef.current?.select();
    toast.info("Press Ctrl+C (or ⌘C) to copy", { description: "The text is selected." });
  });

  return (
    <div className={cn("flex items-center gap-2", className)}>
      <input
        ref={inputRef}
        readOnly
        value={value}
        aria-label={label}
        data-testid={testId}
        onFocus={(event) => event.currentTarget.select()}
        className={cn(
          "h-9 min-w-0 flex-1 rounded-md border border-input bg-muted/50 px-3 font-mono text-xs outline-none focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/50",
          isSecret && "tracking-wide",
        )}
      />
      <Button variant="outline" onClick={() => void copy(value)} aria-label={`Copy ${label.toLowerCase()}`}>
        {isCopied ? <Check className="text-success" aria-hidden="true" /> : <Copy aria-hidden="true" />}
        {isCopied ? "Copied" : "Copy"}
      </Button>
    </div>
  );
}
