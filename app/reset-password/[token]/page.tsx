import { LinkIcon } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { Logo } from "@/components/shell/logo";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { db } from "@/server/db";
import { findPasswordReset } from "@/server/services/auth/password-reset";
import { completePasswordResetAction } from "./actions";
import { ResetForm } from "./reset-form";

export const metadata: Metadata = {
  title: "Choose a new password",
  // The token in this page's address is a credential: keep it out of Referer headers and search indexes.
  referrer: "no-referrer",
  robots: { index: false, follow: false },
};

export default async function ResetPasswordTokenPage(props: { params: Promise<{ token: string }> }) {
  const { token } = await props.params;
  const reset = await findPasswordReset({ db: db(), token });

  return (
    <main className="flex min-h-dvh items-center justify-center bg-muted/40 px-4 py-12">
      <div className="w-full max-w-sm space-y-6">
        <div className="flex justify-center">
          <Logo />
        </div>
        <Card className="p-6">
          {reset ? (
            <>
              <div className="mb-6 space-y-1.5">
                <h1 className="text-xl font-semibold tracking-tight">Choose a new password</h1>
                <p className="text-sm text-muted-foreground">
                  Signing in with the new password works right away; every other session of this account ends.
                </p>
              </div>
              <ResetForm email={reset.email} action={completePasswordResetAction.bind(null, token)} />
            </>
          ) : (
            <div className="space-y-4 text-center" data-testid="reset-invalid">
              <div className="mx-auto flex size-11 items-center justify-center rounded-full border bg-muted/60 text-muted-foreground">
                <LinkIcon className="size-5" aria-hidden="true" />
              </div>
              <div className="space-y-1.5">
                <h1 className="text-xl font-semibold tracking-tight">This reset link can't be used</h1>
                <p className="text-sm text-muted-foreground">
                  This reset link is invalid or has expired. Ask for a new one.
                </p>
              </div>
              <Button className="w-full" asChild>
                <Link href="/reset-password">Ask for a new link</Link>
              </Button>
              <Button variant="outline" className="w-full" asChild>
                <Link href="/signin">Back to sign in</Link>
              </Button>
            </div>
          )}
        </Card>
      </div>
    </main>
  );
}
