"use client";

import { Check, Copy } from "lucide-react";
import { toast } from "sonner";
import { useCopy } from "@/components/lib/use-copy";
import { cn } from "@/components/lib/utils";
import { Button } from "@/components/ui/button";

/** Copies `value`; without clipboard access it says how to copy by hand (the text is visible beside it). */
export function CopyButton({
  value,
  label,
  className,
  testId,
}: {
  value: string;
  /** what is copied, e.g. "Cursor configuration" */
  label: string;
  className?: string;
  testId?: string;
}) {
  const { isCopied, copy } = useCopy(label, () =>
    toast.info("Couldn't reach the clipboard", {
      description: "Select the text and press Ctrl+C (or ⌘C).",
    }),
  );

  return (
    <Button
      variant="outline"
      size="sm"
      className={cn("bg-background", className)}
      onClick={() => void copy(value)}
      aria-label={`Copy ${label.toLowerCase()}`}
      data-testid={testId}
    >
      {isCopied ? <Check className="text-success" aria-hidden="true" /> : <Copy aria-hidden="true" />}
      {isCopied ? "Copied" : "Copy"}
    </Button>
  );
}
