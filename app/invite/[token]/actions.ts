"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { AuthError } from "next-auth";
import { auditContextFromHeaders } from "@/server/audit/record";
import { signIn } from "@/server/auth/config";
import { db } from "@/server/db";
import { isAppError } from "@/server/errors";
import { PASSWORD_MIN_LENGTH } from "@/server/services/auth/password-policy";
import { acceptInvitation, findInvitationByToken } from "@/server/services/invitations/accept-invitation";

type Field = "name" | "password" | "confirm";

export type AcceptState = {
  fieldErrors?: Partial<Record<Field, string>>;
  /** a problem not tied to one field */
  error?: string;
  /** the link stopped working while the form was open */
  isInvalid?: boolean;
  /** what was typed, so a refused form keeps it (never the password) */
  name?: string;
};

/**
 * Accepts an invitation with a name and password, then signs the new user in. The token arrives
 * bound by the page (it is already in the URL the browser holds); the service checks it again
 * inside its transaction, so a link used twice at once creates one account.
 */
export async function acceptInvitationAction(
  token: string,
  _previous: AcceptState,
  form: FormData,
): Promise<AcceptState> {
  const name = String(form.get("name") ?? "").trim();
  const password = String(form.get("password") ?? "");
  const confirm = String(form.get("confirm") ?? "");

  const fieldErrors: AcceptState["fieldErrors"] = {};
  if (!name) fieldErrors.name = "Enter your name.";
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    fieldErrors.password = `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  } else if (password !== confirm) {
    fieldErrors.confirm = "The two passwords do not match.";
  }
  if (Object.keys(fieldErrors).length > 0) return { fieldErrors, name };

  const invitation = await findInvitationByToken({ db: db(), token });
  if (invitation?.status !== "pending") return { isInvalid: true };

  try {
    await acceptInvitation({
      db: db(),
      token,
      name,
      password,
      context: auditContextFromHeaders(new Headers(await headers())),
    });
  } catch (error) {
    if (!isAppError(error)) throw error;
    if (error.code === "NOT_FOUND") return { isInvalid: true };
    const field = error.details?.field;
    if (field === "name" || field === "password") return { fieldErrors: { [field]: error.message }, name };
    return { error: error.message, name };
  }

  try {
    // A successful sign-in "throws" Next's redirect to the overview; it must pass through.
    await signIn("credentials", { email: invitation.email, password, redirectTo: "/" });
  } catch (error) {
    // The account exists; if signing in right away fails, the sign-in page is the way in.
    if (error instanceof AuthError) redirect("/signin");
    throw error;
  }
  return {};
}
