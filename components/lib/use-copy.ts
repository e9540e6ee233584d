"use client";

import { useEffect, useState } from "react";
import { toast } from "sonner";

/**
 * Copies text with a toast that names it, and says "copied" for two seconds. Without clipboard
 * access (an insecure origin, a denied permission) `onUnavailable` tells the person how to copy by hand.
 */
export function useCopy(label: string, onUnavailable: () => void) {
  const [isCopied, setIsCopied] = useState(false);

  useEffect(() => {
    if (!isCopied) return;
    const timer = setTimeout(() => setIsCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [isCopied]);

  async function copy(value: string) {
    try {
      await navigator.clipboard.writeText(value);
      setIsCopied(true);
      toast.success(`${label} copied`);
    } catch {
      onUnavailable();
    }
  }

  return { isCopied, copy };
}
