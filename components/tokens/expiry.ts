/** How soon a token expires, for people. Pure, so the list and the tests agree. */

export const EXPIRING_SOON_DAYS = 7;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** "in 12 min", "in 5 h", "in 3 days", "in 1 day"; "now" once it has passed. */
export function formatTimeUntil(date: Date, now: number): string {
  const ms = date.getTime() - now;
  if (ms <= 0) return "now";
  if (ms < HOUR_MS) return `in ${Math.max(1, Math.ceil(ms / MINUTE_MS))} min`;
  if (ms < DAY_MS) return `in ${Math.ceil(ms / HOUR_MS)} h`;
  // Rounded: a token issued for 7 days reads "in 7 days", not "in 6 days", a second later.
  const days = Math.round(ms / DAY_MS);
  return `in ${days} ${days === 1 ? "day" : "days"}`;
}

export function isExpiringSoon(expiresAt: Date | null, now: number): boolean {
  if (expiresAt === null) return false;
  const ms = expiresAt.getTime() - now;
  return ms > 0 && ms <= EXPIRING_SOON_DAYS * DAY_MS;
}
