import { LinkIcon } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { Logo } from "@/components/shell/logo";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { providerSummaries } from "@/server/auth/providers";
import { db } from "@/server/db";
import { env } from "@/server/env";
import { ROLE_LABELS } from "@/server/policy/permissions";
import { findInvitationByToken } from "@/server/services/invitations/accept-invitation";
import { acceptInvitationAction } from "./actions";
import { InviteForm } from "./invite-form";

export const metadata: Metadata = {
  title: "Join Gatehouse",
  // The token in this page's address is a credential: keep it out of Referer headers and search indexes.
  referrer: "no-referrer",
  robots: { index: false, follow: false },
};

export default async function InvitePage(props: { params: Promise<{ token: string }> }) {
  const { token } = await props.params;
  const invitation = await findInvitationByToken({ db: db(), token });

  return (
    <main className="flex min-h-dvh items-center justify-center bg-muted/40 px-4 py-12">
      <div className="w-full max-w-sm space-y-6">
        <div className="flex justify-center">
          <Logo />
        </div>
        <Card className="p-6">
          {invitation?.status === "pending" ? (
            <>
              <div className="mb-6 space-y-1.5">
                <h1 className="text-xl font-semibold tracking-tight">Join Gatehouse</h1>
                <p className="text-sm text-muted-foreground">
                  You are invited as {ROLE_LABELS[invitation.role]}. Choose your name and a password to create
                  your account.
                </p>
              </div>
              <InviteForm
                email={invitation.email}
                action={acceptInvitationAction.bind(null, token)}
                providers={providerSummaries(env())}
              />
            </>
          ) : (
            <div className="space-y-4 text-center" data-testid="invite-invalid">
              <div className="mx-auto flex size-11 items-center justify-center rounded-full border bg-muted/60 text-muted-foreground">
                <LinkIcon className="size-5" aria-hidden="true" />
              </div>
              <div className="space-y-1.5">
                <h1 className="text-xl font-semibold tracking-tight">This invitation can't be used</h1>
                <p className="text-sm text-muted-foreground">
                  This invitation link is invalid or has expired. Ask the person who invited you for a new
                  one.
                </p>
              </div>
              <Button variant="outline" className="w-full" asChild>
                <Link href="/signin">I already have an account</Link>
              </Button>
            </div>
          )}
        </Card>
      </div>
    </main>
  );
}
