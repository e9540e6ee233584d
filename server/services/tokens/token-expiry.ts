import { z } from "zod";
import { AppError } from "../../errors";

/**
 * When a token stops working. People pick one of a few lifetimes, a date of their own, or "never"
 * (allowed, and shown as a warning): the UI and the CLI turn their choice into `expiresAt` here, so
 * both apply the same limits.
 */
export const EXPIRY_DAY_CHOICES = [7, 30, 90, 365] as const;
export const DEFAULT_EXPIRY_DAYS = 30;
/** A date further out than this is a typo or a token that should be "never" on purpose. */
export const MAX_EXPIRY_DAYS = 5 * 366;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export const EXPIRY_CHOICE = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("days"),
      days: z.literal(EXPIRY_DAY_CHOICES),
    })
    .strict(),
  z.object({ kind: z.literal("date"), date: z.date() }).strict(),
  z.object({ kind: z.literal("never") }).strict(),
]);

export type ExpiryChoice = z.infer<typeof EXPIRY_CHOICE>;

/** The moment a token issued at `now` with this choice expires; null for "never". */
export function expiresAtFor(choice: ExpiryChoice, now: Date = new Date()): Date | null {
  if (choice.kind === "never") return null;
  if (choice.kind === "days") return new Date(now.getTime() + choice.days * DAY_MS);
  return choice.date;
}

/** Refuses an expiry in the past or beyond MAX_EXPIRY_DAYS; null (never) passes. */
export function assertValidExpiry(expiresAt: Date | null, now: Date): void {
  if (expiresAt === null) return;
  if (Number.isNaN(expiresAt.getTime()))
    throw new AppError("BAD_REQUEST", "The expiry date is not a valid date.", {
      details: { field: "expiry" },
    });
  if (expiresAt <= now)
    throw new AppError("BAD_REQUEST", "The expiry date must be in the future.", {
      details: { field: "expiry" },
    });
  if (expiresAt.getTime() - now.getTime() > MAX_EXPIRY_DAYS * DAY_MS)
    throw new AppError(
      "BAD_REQUEST",
      "Choose an expiry within 5 years, or choose no expiry if the token must never expire.",
      { details: { field: "expiry" } },
    );
}

/**
 * A CLI lifetime: "30d", "2w", "12h", or "never". Returns the expiry for a token issued at `now`.
 */
export function parseExpiresIn(value: string, now: Date = new Date()): Date | null {
  const text = value.trim().toLowerCase();
  if (text === "never") return null;
  const match = /^(\d{1,5})\s*([hdw])$/.exec(text);
  if (!match) {
    throw new AppError(
      "BAD_REQUEST",
      `"${value.slice(0, 40)}" is not a lifetime; use a number of hours, days or weeks such as 12h, 30d, 2w, or "never"`,
    );
  }
  const amount = Number(match[1]);
  if (amount === 0) throw new AppError("BAD_REQUEST", "a token's lifetime must be longer than zero");
  const unit = match[2] === "h" ? HOUR_MS : match[2] === "w" ? 7 * DAY_MS : DAY_MS;
  return new Date(now.getTime() + amount * unit);
}
