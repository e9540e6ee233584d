/** What the sign-in page says for each refusal code. */
const MESSAGES: Record<string, string> = {
  invalid: "That email and password do not match an account.",
  deactivated: "This account is deactivated. Ask an administrator to reactivate it.",
  "invite-only":
    "This Gatehouse is invite-only. Ask an administrator to invite you, then use the link in the invitation.",
  "sign-up-off": "New accounts cannot be created on this Gatehouse. Ask an administrator.",
  "email-missing": "Your identity provider did not share a verified email address, which Gatehouse needs.",
  "email-in-use": "An account with this email already exists. Sign in the way you did before.",
  unavailable: "Sign-in failed on our side. Try again; if it keeps failing, tell your administrator.",
};

/** The time in a code such as `locked.<epoch ms>`, as the reader's clock shows it. */
function timeIn(code: string): string {
  const until = new Date(Number(code.slice(code.indexOf(".") + 1)));
  return Number.isNaN(until.getTime())
    ? "a few minutes"
    : until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** Error codes come from the sign-in action or the URL (identity-provider redirects). */
export function describeSignInError(code: string | undefined): string | null {
  if (!code) return null;
  if (code.startsWith("locked."))
    return `Too many failed attempts. This account is locked until ${timeIn(code)}; an administrator can unlock it sooner.`;
  if (code.startsWith("throttled."))
    return `Too many failed sign-ins from your network. Try again after ${timeIn(code)}.`;
  return MESSAGES[code] ?? MESSAGES.unavailable ?? null;
}
