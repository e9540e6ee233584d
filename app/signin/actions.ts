"use server";

import { AuthError, CredentialsSignin } from "next-auth";
import { signIn, signOut } from "@/server/auth/config";
import { localPath } from "@/server/auth/local-path";

export type SignInState = { error?: string; email?: string };

// Only same-site paths after sign-in (localPath): an open redirect would be a phishing tool.
export async function signInWithPassword(_previous: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get("email") ?? "");
  try {
    await signIn("credentials", {
      email,
      password: String(form.get("password") ?? ""),
      redirectTo: localPath(form.get("callbackUrl")),
    });
    return {};
  } catch (error) {
    // A successful sign-in "throws" Next's redirect; anything that is not an AuthError passes on.
    if (error instanceof CredentialsSignin) return { error: error.code, email };
    if (error instanceof AuthError) return { error: "unavailable", email };
    throw error;
  }
}

export async function signInWithProvider(form: FormData): Promise<void> {
  await signIn(String(form.get("provider") ?? ""), { redirectTo: localPath(form.get("callbackUrl")) });
}

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/signin" });
}
