"use client";

import { AlertCircle, KeyRound } from "lucide-react";
import Link from "next/link";
import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NewPasswordFields } from "@/components/ui/new-password-fields";
import type { CompleteResetState } from "./actions";

const MIN_LENGTH = 12;

export function ResetForm(props: {
  email: string;
  action: (previous: CompleteResetState, form: FormData) => Promise<CompleteResetState>;
}) {
  const [state, action, isPending] = useActionState<CompleteResetState, FormData>(props.action, {});
  const errors = state.fieldErrors ?? {};

  if (state.isInvalid) {
    return (
      <div className="space-y-4">
        <div
          role="alert"
          data-testid="reset-invalid"
          className="flex gap-2 rounded-md border border-destructive/30 bg-destructive/10 px-3 py-2.5 text-sm text-destructive"
        >
          <AlertCircle className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
          <p>This reset link is invalid or has expired. Ask for a new one.</p>
        </div>
        <Button variant="outline" className="w-full" asChild>
          <Link href="/reset-password">Ask for a new link</Link>
        </Button>
      </div>
    );
  }

  return (
    <div className="space-y-6">
      <FormError>{state.error}</FormError>
      <form action={action} className="space-y-4" data-testid="reset-form">
        <div className="space-y-2">
          <Label htmlFor="email">Email</Label>
          <Input
            id="email"
            type="email"
            value={props.email}
            readOnly
            autoComplete="username"
            className="bg-muted/50 text-muted-foreground"
          />
        </div>
        <NewPasswordFields minLength={MIN_LENGTH} errors={errors} />
        <Button type="submit" className="w-full" disabled={isPending}>
          <KeyRound aria-hidden="true" />
          {isPending ? "Saving…" : "Set new password"}
        </Button>
      </form>
    </div>
  );
}
