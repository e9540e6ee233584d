"use client";

import { formatTimeAgo } from "@/components/lib/format";
import { useNow } from "@/components/lib/use-now";

/** "2 min ago", kept current, with the exact time on hover. */
export function RelativeTime({ date, className }: { date: Date | string; className?: string }) {
  const now = useNow();
  const value = typeof date === "string" ? new Date(date) : date;
  if (Number.isNaN(value.getTime())) return null;
  return (
    // Server and browser clocks (and time zones) differ by design here; the browser's text wins.
    <time
      dateTime={value.toISOString()}
      title={value.toLocaleString()}
      className={className}
      suppressHydrationWarning
    >
      {formatTimeAgo(value, now)}
    </time>
  );
}
