import { getToken } from "next-auth/jwt";
import { db } from "../db";
import { env } from "../env";
import { type CurrentSession, resolveSession } from "../services/auth/sessions";

/**
 * The signed-in user of a request, from its session cookie: the JWT is verified, then its session
 * row and user are loaded, so ended sessions and deactivated users are refused on the next request.
 */
export async function sessionFromHeaders(headers: Headers): Promise<CurrentSession | null> {
  const config = env();
  const token = await getToken({
    req: { headers },
    secret: config.AUTH_SECRET,
    secureCookie: config.GATEHOUSE_PUBLIC_URL.startsWith("https:"),
  });
  const sid = typeof token?.sid === "string" ? token.sid : null;
  if (!sid) return null;
  return resolveSession({ db: db(), sessionId: sid });
}
