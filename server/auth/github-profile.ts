import { z } from "zod";

/**
 * GitHub's profile for sign-in, with the one address Gatehouse may trust: the account's primary
 * address, and only once GitHub has verified it. (Auth.js's GitHub provider takes the public
 * profile address or else the primary or first one, verified or not; GitHub accepts a new account's
 * address before it is verified, so anyone could otherwise sign in as the owner of any address.)
 * Without such an address the profile has none, and sign-in is refused (`email-missing`).
 */

export const GITHUB_API = "https://api.github.com";

const EMAILS = z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }));

export async function githubProfile(
  accessToken: string,
  apiBaseUrl: string = GITHUB_API,
): Promise<Record<string, unknown>> {
  const headers = {
    authorization: `Bearer ${accessToken}`,
    accept: "application/vnd.github+json",
    "user-agent": "gatehouse",
  };
  const [user, emails] = await Promise.all([
    fetch(`${apiBaseUrl}/user`, { headers }),
    fetch(`${apiBaseUrl}/user/emails`, { headers }),
  ]);
  if (!user.ok) throw new Error(`GitHub answered ${user.status} for the user's profile.`);
  const profile = z.record(z.string(), z.unknown()).parse(await user.json());
  const listed = emails.ok ? EMAILS.safeParse(await emails.json()) : null;
  const primary = listed?.success ? listed.data.find((entry) => entry.primary && entry.verified) : undefined;
  return { ...profile, email: primary?.email ?? null, email_verified: primary !== undefined };
}
