import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { can, type Permission } from "../policy/permissions";
import type { CurrentSession } from "../services/auth/sessions";
import { PAGE_PATH_HEADER, signInPathFor } from "./local-path";
import { sessionFromHeaders } from "./session";

/** The signed-in session of the page being rendered (once per request), or null. */
export const getCurrentSession = cache(
  async (): Promise<CurrentSession | null> => sessionFromHeaders(new Headers(await headers())),
);

/** For pages behind sign-in: the session, or a redirect to the sign-in page, which comes back here. */
export async function requireSession(): Promise<CurrentSession> {
  const session = await getCurrentSession();
  if (!session) redirect(signInPathFor((await headers()).get(PAGE_PATH_HEADER)));
  return session;
}

/** For pages behind a permission: the session, or the 404 page (never a hint that the page exists). */
export async function requirePermission(permission: Permission): Promise<CurrentSession> {
  const session = await requireSession();
  if (!can(session.user, permission)) {
    const { notFound } = await import("next/navigation");
    notFound();
  }
  return session;
}
