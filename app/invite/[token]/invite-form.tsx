"use client";

import { AlertCircle, UserPlus } from "lucide-react";
import Link from "next/link";
import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { FieldError, FormError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NewPasswordFields } from "@/components/ui/new-password-fields";
import { signInWithProvider } from "../../signin/actions";
import type { AcceptState } from "./actions";

const MIN_LENGTH = 12;

export function InviteForm(props: {
  email: string;
  action: (previous: AcceptState, form: FormData) => Promise<AcceptState>;
  providers: { id: string; name: string }[];
}) {
  const [state, action, isPending] = useActionState<AcceptState, FormData>(props.action, {});
  const errors = state.fieldErrors ?? {};

  if (state.isInvalid) {
    return (
      <div
        role="alert"
        data-testid="invite-invalid"
        className="flex gap-2 rounded-md border border-destructive/30 bg-destructive/10 px-3 py-2.5 text-sm text-destructive"
      >
        <AlertCircle className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
        <p>This invitation link is invalid or has expired. Ask the person who invited you for a new one.</p>
      </div>
    );
  }

  return (
    <div className="space-y-6">
      {state.error && (
        <FormError>
          {state.error}{" "}
          <Link href="/signin" className="font-medium underline underline-offset-4">
            Go to sign in
          </Link>
        </FormError>
      )}
      <form action={action} className="space-y-4" data-testid="invite-form">
        <div className="space-y-2">
          <Label htmlFor="email">Email</Label>
          <Input
            id="email"
            type="email"
            value={props.email}
            readOnly
            autoComplete="username"
            aria-describedby="email-hint"
            className="bg-muted/50 text-muted-foreground"
          />
          <p id="email-hint" className="text-xs text-muted-foreground">
            The invitation is for this address.
          </p>
        </div>
        <div className="space-y-2">
          <Label htmlFor="name">Name</Label>
          <Input
            id="name"
            name="name"
            autoComplete="name"
            required
            maxLength={200}
            defaultValue={state.name}
            aria-invalid={Boolean(errors.name) || undefined}
            aria-describedby={errors.name ? "name-error" : undefined}
          />
          <FieldError id="name-error">{errors.name}</FieldError>
        </div>
        <NewPasswordFields minLength={MIN_LENGTH} errors={errors} />
        <Button type="submit" className="w-full" disabled={isPending}>
          <UserPlus aria-hidden="true" />
          {isPending ? "Creating your account…" : "Create account"}
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
                <input type="hidden" name="callbackUrl" value="/" />
                <Button type="submit" variant="outline" className="w-full">
                  Continue with {provider.name}
                </Button>
              </form>
            ))}
            <p className="text-center text-xs text-muted-foreground">
              Use the account for {props.email}; signing in with it accepts this invitation.
            </p>
          </div>
        </>
      )}
    </div>
  );
}
