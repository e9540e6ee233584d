"use server";

import { headers } from "next/headers";
import { auditContextFromHeaders } from "@/server/audit/record";
import { db } from "@/server/db";
import { isAppError } from "@/server/errors";
import { requestPasswordReset } from "@/server/services/auth/password-reset";

export type RequestResetState = { sent?: boolean; error?: string; email?: string };

/** Asks for a reset link. The answer is the same whether or not the address has an account. */
export async function requestPasswordResetAction(
  _previous: RequestResetState,
  form: FormData,
): Promise<RequestResetState> {
  const email = String(form.get("email") ?? "").trim();
  if (!email || email.length > 320 || !email.includes("@"))
    return { error: "Enter the email address of your account.", email };
  try {
    await requestPasswordReset({
      db: db(),
      email,
      context: auditContextFromHeaders(new Headers(await headers())),
    });
  } catch (error) {
    if (isAppError(error)) return { error: error.message, email };
    throw error;
  }
  return { sent: true };
}
