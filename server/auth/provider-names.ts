/** Names for identity-provider ids whose provider may no longer be configured (the link outlives it). */
const KNOWN: Record<string, string> = { github: "GitHub", google: "Google", oidc: "Single sign-on" };

/** "GitHub" for "github"; a configured provider's own name ("Okta") wins. */
export function providerLabel(id: string, configured: Record<string, string>): string {
  return configured[id] ?? KNOWN[id] ?? id;
}
