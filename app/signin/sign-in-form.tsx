"use client";

import { AlertCircle, LogIn } from "lucide-react";
import Link from "next/link";
import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { type SignInState, signInWithPassword, signInWithProvider } from "./actions";
import { describeSignInError } from "./sign-in-errors";

export function SignInForm(props: {
  callbackUrl: string;
  initialError?: string;
  providers: { id: string; name: string }[];
  /** offer "Forgot your password?" (only when mail is configured) */
  canResetByEmail?: boolean;
}) {
  const [state, action, isPending] = useActionState<SignInState, FormData>(signInWithPassword, {
    error: props.initialError,
  });
  const message = describeSignInError(state.error);
  return (
    <div className="space-y-6">
      {message && (
        <div
          role="alert"
          className="flex gap-2 rounded-md border border-destructive/30 bg-destructive/10 px-3 py-2.5 text-sm text-destructive"
        >
          <AlertCircle className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
          <p>{message}</p>
        </div>
      )}
      <form action={action} className="space-y-4">
        <input type="hidden" name="callbackUrl" value={props.callbackUrl} />
        <div className="space-y-2">
          <Label htmlFor="email">Email</Label>
          <Input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            required
            defaultValue={state.email}
            aria-invalid={state.error === "invalid" || undefined}
          />
        </div>
        <div className="space-y-2">
          <div className="flex items-baseline justify-between gap-2">
            <Label htmlFor="password">Password</Label>
            {props.canResetByEmail && (
              <Link
                href="/reset-password"
                className="text-xs text-muted-foreground underline-offset-4 hover:text-foreground hover:underline"
              >
                Forgot your password?
              </Link>
            )}
          </div>
          <Input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
        <Button type="submit" className="w-full" disabled={isPending}>
          <LogIn aria-hidden="true" />
          {isPending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
      {props.providers.length > 0 && (
        <>
          <div className="flex items-center gap-3 text-xs text-muted-foreground">
            <span className="h-px flex-1 bg-border" />
            or
            <span className="h-px flex-1 bg-border" />
          </div>
          <div className="space-y-2">
            {props.providers.map((provider) => (
              <form key={provider.id} action={signInWithProvider}>
                <input type="hidden" name="provider" value={provider.id} />
                <input type="hidden" name="callbackUrl" value={props.callbackUrl} />
                <Button type="submit" variant="outline" className="w-full">
                  Continue with {provider.name}
                </Button>
              </form>
            ))}
          </div>
        </>
      )}
    </div>
  );
}
