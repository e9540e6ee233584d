import { CheckCircle2 } from "lucide-react";
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Logo } from "@/components/shell/logo";
import { Card } from "@/components/ui/card";
import { getCurrentSession } from "@/server/auth/current";
import { localPath } from "@/server/auth/local-path";
import { providerSummaries } from "@/server/auth/providers";
import { env } from "@/server/env";
import { isMailConfigured } from "@/server/mail/send-mail";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage(props: {
  searchParams: Promise<{ error?: string; code?: string; callbackUrl?: string; reset?: string }>;
}) {
  const params = await props.searchParams;
  const callbackUrl = localPath(params.callbackUrl);
  if (await getCurrentSession()) redirect(callbackUrl);
  // Auth.js reports a refused credential sign-in as error=CredentialsSignin&code=<our code>.
  const error = params.error === "CredentialsSignin" ? params.code : params.error;
  return (
    <main className="flex min-h-dvh items-center justify-center bg-muted/40 px-4 py-12">
      <div className="w-full max-w-sm space-y-6">
        <div className="flex justify-center">
          <Logo />
        </div>
        <Card className="p-6">
          <div className="mb-6 space-y-1.5">
            <h1 className="text-xl font-semibold tracking-tight">Sign in</h1>
            <p className="text-sm text-muted-foreground">
              Use your Gatehouse account or your company sign-in.
            </p>
          </div>
          {params.reset === "done" && !error && (
            <div
              role="status"
              data-testid="reset-done"
              className="mb-6 flex gap-2 rounded-md border border-success/30 bg-success/10 px-3 py-2.5 text-sm text-success"
            >
              <CheckCircle2 className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
              <p>Your password was changed. Sign in with the new one.</p>
            </div>
          )}
          <SignInForm
            callbackUrl={callbackUrl}
            initialError={error}
            providers={providerSummaries(env())}
            canResetByEmail={isMailConfigured()}
          />
        </Card>
      </div>
    </main>
  );
}
