import { KeyRound } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { Logo } from "@/components/shell/logo";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { isMailConfigured } from "@/server/mail/send-mail";
import { RequestResetForm } from "./request-form";

export const metadata: Metadata = {
  title: "Reset your password",
  robots: { index: false, follow: false },
};

// Whether mail is configured is read at request time, not baked in at build time.
export const dynamic = "force-dynamic";

export default function ResetPasswordPage() {
  const isConfigured = isMailConfigured();
  return (
    <main className="flex min-h-dvh items-center justify-center bg-muted/40 px-4 py-12">
      <div className="w-full max-w-sm space-y-6">
        <div className="flex justify-center">
          <Logo />
        </div>
        <Card className="p-6">
          {isConfigured ? (
            <>
              <div className="mb-6 space-y-1.5">
                <h1 className="text-xl font-semibold tracking-tight">Reset your password</h1>
                <p className="text-sm text-muted-foreground">
                  Enter the email address of your account and we will send you a link to choose a new
                  password.
                </p>
              </div>
              <RequestResetForm />
            </>
          ) : (
            <div className="space-y-4 text-center" data-testid="reset-unavailable">
              <div className="mx-auto flex size-11 items-center justify-center rounded-full border bg-muted/60 text-muted-foreground">
                <KeyRound className="size-5" aria-hidden="true" />
              </div>
              <div className="space-y-1.5">
                <h1 className="text-xl font-semibold tracking-tight">Reset your password</h1>
                <p className="text-sm text-muted-foreground">
                  Password reset by email is not set up here; ask an administrator to reset your password.
                </p>
              </div>
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
