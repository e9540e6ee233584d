import { encode } from "next-auth/jwt";
import { createUser } from "@/prisma/seed/factories";
import type { Db } from "@/server/db";
import { env } from "@/server/env";
import type { PlatformRole } from "@/server/policy/permissions";
import { startSession } from "@/server/services/auth/sessions";

/** The cookie Auth.js sets on plain HTTP (the secure variant is prefixed with __Secure-). */
export const SESSION_COOKIE = "authjs.session-token";

/** A user with a live session and the cookie a browser would send for it. */
export async function signedInUser(
  db: Db,
  role: PlatformRole = "BASIC_USER",
  extra: { isAuditor?: boolean } = {},
) {
  const user = await createUser(db, { role, isAuditor: extra.isAuditor ?? false });
  const { sessionId } = await startSession({ db, userId: user.id, method: "test", context: {} });
  const jwt = await encode({ token: { sid: sessionId }, secret: env().AUTH_SECRET, salt: SESSION_COOKIE });
  return { user, sessionId, cookie: `${SESSION_COOKIE}=${jwt}` };
}
