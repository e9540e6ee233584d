"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { auditContextFromHeaders } from "@/server/audit/record";
import { db } from "@/server/db";
import { isAppError } from "@/server/errors";
import { PASSWORD_MIN_LENGTH } from "@/server/services/auth/password-policy";
import { completePasswordReset } from "@/server/services/auth/password-reset";

type Field = "password" | "confirm";

export type CompleteResetState = {
  fieldErrors?: Partial<Record<Field, string>>;
  error?: string;
  /** the link stopped working while the form was open */
  isInvalid?: boolean;
};

/** Sets the new password from a reset link, then sends the person to sign in with it. */
export async function completePasswordResetAction(
  token: string,
  _previous: CompleteResetState,
  form: FormData,
): Promise<CompleteResetState> {
  const password = String(form.get("password") ?? "");
  const confirm = String(form.get("confirm") ?? "");
  if ([...password].length < PASSWORD_MIN_LENGTH)
    return { fieldErrors: { password: `Use at least ${PASSWORD_MIN_LENGTH} characters.` } };
  if (password !== confirm) return { fieldErrors: { confirm: "The two passwords do not match." } };

  try {
    await completePasswordReset({
      db: db(),
      token,
      password,
      context: auditContextFromHeaders(new Headers(await headers())),
    });
  } catch (error) {
    if (!isAppError(error)) throw error;
    if (error.code === "NOT_FOUND") return { isInvalid: true };
    if (error.details?.field === "password") return { fieldErrors: { password: error.message } };
    return { error: error.message };
  }
  redirect("/signin?reset=done");
}
