/**
 * Signs in to a running Gatehouse over HTTP the way the browser form does (Auth.js credentials:
 * CSRF token, then the callback), returning the Cookie header of the new session.
 */
function cookiesOf(response: Response): string[] {
  return response.headers.getSetCookie().map((cookie) => cookie.split(";")[0] ?? "");
}

export async function signInOverHttp(baseUrl: string, email: string, password: string): Promise<string> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = cookiesOf(csrf);
  const callback = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; ") },
    body: new URLSearchParams({ email, password, csrfToken, callbackUrl: `${baseUrl}/` }),
  });
  const session = cookiesOf(callback).find((cookie) => cookie.startsWith("authjs.session-token="));
  if (!session)
    throw new Error(`sign-in failed: HTTP ${callback.status} ${callback.headers.get("location")}`);
  return session;
}

/** The demo owner's password, from the file `npm start` writes beside the data. */
export function ownerPasswordFrom(text: string): string {
  const match = /^password:\s*(\S+)$/m.exec(text);
  if (!match?.[1]) throw new Error("no password in owner-password.txt");
  return match[1];
}
