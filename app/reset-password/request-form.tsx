"use client";

import { CheckCircle2, Mail } from "lucide-react";
import Link from "next/link";
import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { type RequestResetState, requestPasswordResetAction } from "./actions";

export function RequestResetForm() {
  const [state, action, isPending] = useActionState<RequestResetState, FormData>(
    requestPasswordResetAction,
    {},
  );

  if (state.sent) {
    return (
      <div className="space-y-4">
        <div
          role="status"
          data-testid="reset-requested"
          className="flex gap-2 rounded-md border border-success/30 bg-success/10 px-3 py-2.5 text-sm text-success"
        >
          <CheckCircle2 className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
          <p>
            If an account exists for that address, we sent a link to reset its password. It expires in 30
            minutes.
          </p>
        </div>
        <Button variant="outline" className="w-full" asChild>
          <Link href="/signin">Back to sign in</Link>
        </Button>
      </div>
    );
  }

  return (
    <div className="space-y-6">
      <FormError>{state.error}</FormError>
      <form action={action} className="space-y-4" data-testid="reset-request-form">
        <div className="space-y-2">
          <Label htmlFor="email">Email</Label>
          <Input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            required
            maxLength={320}
            defaultValue={state.email}
          />
        </div>
        <Button type="submit" className="w-full" disabled={isPending}>
          <Mail aria-hidden="true" />
          {isPending ? "Sending…" : "Send reset link"}
        </Button>
      </form>
      <p className="text-center text-sm text-muted-foreground">
        <Link href="/signin" className="font-medium underline underline-offset-4">
          Back to sign in
        </Link>
      </p>
    </div>
  );
}
