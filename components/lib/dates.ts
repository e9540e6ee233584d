/**
 * Absolute times in the browser's locale and time zone. Server and browser zones differ, so render
 * these only after hydration (useIsHydrated) to avoid a mismatch.
 */
function isSameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "14:32" today, "May 3, 14:32" on another day. */
export function formatClockTime(date: Date, now = new Date()): string {
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (isSameDay(date, now)) return time;
  return `${date.toLocaleDateString([], { month: "short", day: "numeric" })}, ${time}`;
}

/** "May 3, 2026". */
export function formatDate(date: Date): string {
  return date.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" });
}

/** "May 3 at 14:32" (the year only when it is not this one). */
export function formatDateTime(date: Date, now = new Date()): string {
  const day = date.toLocaleDateString([], {
    month: "short",
    day: "numeric",
    year: date.getFullYear() === now.getFullYear() ? undefined : "numeric",
  });
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return `${day} at ${time}`;
}
