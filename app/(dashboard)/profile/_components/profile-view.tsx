"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound, LogOut, Monitor, Smartphone } from "lucide-react";
import { type ReactNode, useState } from "react";
import { toast } from "sonner";
import { formatDate } from "@/components/lib/dates";
import { pluralize } from "@/components/lib/format";
import type { RouterOutputs } from "@/components/lib/router-types";
import { useIsHydrated } from "@/components/lib/use-now";
import { describeUserAgent } from "@/components/lib/user-agent";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import { providerLabel } from "@/server/auth/provider-names";
import { ROLE_LABELS } from "@/server/policy/permissions";
import { ChangePasswordDialog } from "./change-password-dialog";

type Profile = RouterOutputs["profile"]["get"];
type Session = Profile["sessions"][number];

const MOBILE = /Android|iPhone|iPad|iPod|Mobile/;

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid gap-1 px-5 py-3 sm:grid-cols-[10rem_1fr] sm:gap-4">
      <dt className="text-sm text-muted-foreground">{label}</dt>
      <dd className="min-w-0 text-sm">{children}</dd>
    </div>
  );
}

function ProfileSkeleton() {
  return (
    <div className="space-y-6" aria-busy="true">
      <span className="sr-only" role="status">
        Loading your profile…
      </span>
      {["account", "sessions"].map((key) => (
        <Card key={key} className="space-y-4 p-5">
          <Skeleton className="h-4 w-28" />
          {["a", "b", "c"].map((row) => (
            <div key={row} className="flex gap-4">
              <Skeleton className="h-4 w-28" />
              <Skeleton className="h-4 w-56" />
            </div>
          ))}
        </Card>
      ))}
    </div>
  );
}

function AccountCard({ profile }: { profile: Profile }) {
  const { user } = profile;
  const isHydrated = useIsHydrated();
  return (
    <Card data-testid="profile-account">
      <CardHeader className="pb-4">
        <CardTitle as="h2">Account</CardTitle>
        <CardDescription>
          Your role decides what you can do here; an administrator changes it.
        </CardDescription>
      </CardHeader>
      <dl className="divide-y border-t">
        <Field label="Name">{user.name ?? <span className="text-muted-foreground">Not set</span>}</Field>
        <Field label="Email">{user.email}</Field>
        <Field label="Role">
          <span className="flex flex-wrap items-center gap-2" data-testid="profile-role">
            <span className="font-medium">{ROLE_LABELS[user.role]}</span>
            {user.isAuditor && <Badge variant="default">Auditor</Badge>}
          </span>
          {user.isAuditor && (
            <p className="mt-0.5 text-muted-foreground">
              As an Auditor you can read request and response bodies in the audit log.
            </p>
          )}
        </Field>
        <Field label="Password">
          {user.hasPassword ? (
            <span className="flex flex-wrap items-center justify-between gap-2">
              <span className="inline-flex items-center gap-2">
                <KeyRound className="size-4 text-muted-foreground" aria-hidden="true" />
                Set
              </span>
              <ChangePasswordDialog email={user.email} />
            </span>
          ) : (
            <span className="text-muted-foreground">
              None; you sign in through a linked identity provider.
            </span>
          )}
        </Field>
        <Field label="Member since">
          {isHydrated ? formatDate(new Date(user.createdAt)) : <RelativeTime date={user.createdAt} />}
        </Field>
      </dl>
    </Card>
  );
}

function SessionRow({
  session,
  isEnding,
  onEnd,
}: {
  session: Session;
  isEnding: boolean;
  onEnd: () => void;
}) {
  const Icon = MOBILE.test(session.userAgent ?? "") ? Smartphone : Monitor;
  return (
    <li
      className="flex flex-col gap-3 px-5 py-3.5 sm:flex-row sm:items-center"
      data-testid="session-row"
      data-current={session.isCurrent ? "true" : "false"}
    >
      <div className="flex min-w-0 flex-1 items-start gap-3">
        <div className="mt-0.5 flex size-8 shrink-0 items-center justify-center rounded-md border bg-muted/60 text-muted-foreground">
          <Icon className="size-4" aria-hidden="true" />
        </div>
        <div className="min-w-0 space-y-0.5">
          <p className="flex flex-wrap items-center gap-2 text-sm font-medium">
            <span title={session.userAgent ?? undefined}>{describeUserAgent(session.userAgent)}</span>
            {session.isCurrent && <Badge variant="success">This session</Badge>}
          </p>
          <p className="text-xs text-muted-foreground">
            {session.ipAddress ? <span className="font-mono">{session.ipAddress}</span> : "Unknown address"}
            {" · "}last active <RelativeTime date={session.lastSeenAt} />
            {" · "}signed in <RelativeTime date={session.createdAt} />
          </p>
        </div>
      </div>
      {!session.isCurrent && (
        <Button
          variant="outline"
          size="sm"
          onClick={onEnd}
          disabled={isEnding}
          className="self-start sm:self-auto"
        >
          <LogOut aria-hidden="true" />
          {isEnding ? "Signing out…" : "Sign out"}
        </Button>
      )}
    </li>
  );
}

function SessionsCard({ profile }: { profile: Profile }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [isConfirmOpen, setIsConfirmOpen] = useState(false);
  const others = profile.sessions.filter((session) => !session.isCurrent).length;

  const endSession = useMutation(
    trpc.profile.endSession.mutationOptions({
      onSuccess: () => {
        toast.success("Signed out", { description: "That browser has to sign in again." });
        void queryClient.invalidateQueries({ queryKey: trpc.profile.get.queryKey() });
      },
      onError: (error) => toast.error("Couldn't sign that session out", { description: error.message }),
    }),
  );
  const signOutEverywhere = useMutation(
    trpc.profile.signOutEverywhere.mutationOptions({
      onSuccess: () => {
        // This browser's session is gone too: a full page load drops every cached bit of the account.
        window.location.assign("/signin");
      },
      onError: (error) => toast.error("Couldn't sign out everywhere", { description: error.message }),
    }),
  );

  // Current session first, then the most recently active.
  const sessions = [...profile.sessions].sort(
    (a, b) =>
      Number(b.isCurrent) - Number(a.isCurrent) ||
      new Date(b.lastSeenAt).getTime() - new Date(a.lastSeenAt).getTime(),
  );

  return (
    <Card data-testid="profile-sessions">
      <CardHeader className="flex-wrap pb-4">
        <div className="space-y-1">
          <CardTitle as="h2">Sessions</CardTitle>
          <CardDescription>
            The browsers signed in to your account. Sign out any you do not recognise.
          </CardDescription>
        </div>
        <CardAction>
          <Button variant="outline" size="sm" onClick={() => setIsConfirmOpen(true)}>
            <LogOut aria-hidden="true" />
            Sign out everywhere
          </Button>
        </CardAction>
      </CardHeader>
      <ul className="divide-y border-t">
        {sessions.map((session) => (
          <SessionRow
            key={session.id}
            session={session}
            isEnding={endSession.isPending && endSession.variables?.sessionId === session.id}
            onEnd={() => endSession.mutate({ sessionId: session.id })}
          />
        ))}
      </ul>
      <ConfirmDialog
        open={isConfirmOpen}
        onOpenChange={setIsConfirmOpen}
        title="Sign out everywhere?"
        description={`Every session of yours ends, this one included${others > 0 ? ` and ${pluralize(others, "other")}` : ""}, and you sign in again here. Your API tokens keep working; revoke them on the Tokens page if they may be exposed.`}
        confirmLabel="Sign out everywhere"
        pendingLabel="Signing out…"
        isDestructive
        isPending={signOutEverywhere.isPending || signOutEverywhere.isSuccess}
        onConfirm={() => signOutEverywhere.mutate()}
      />
    </Card>
  );
}

function IdentitiesCard({
  profile,
  providerNames,
}: {
  profile: Profile;
  providerNames: Record<string, string>;
}) {
  return (
    <Card data-testid="profile-identities">
      <CardHeader className="pb-4">
        <CardTitle as="h2">Linked sign-ins</CardTitle>
        <CardDescription>Identity providers you can use to sign in to this account.</CardDescription>
      </CardHeader>
      {profile.identities.length === 0 ? (
        <EmptyState
          className="border-t py-8"
          title="No identity provider linked"
          description="You sign in with your email and password."
        />
      ) : (
        <ul className="divide-y border-t">
          {profile.identities.map((identity) => (
            <li
              key={`${identity.provider}:${identity.providerAccountId}`}
              className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 px-5 py-3.5"
              data-testid="identity-row"
              data-provider={identity.provider}
            >
              <div className="min-w-0">
                <p className="text-sm font-medium">{providerLabel(identity.provider, providerNames)}</p>
                <p className="truncate font-mono text-xs text-muted-foreground">
                  {identity.providerAccountId}
                </p>
              </div>
              <p className="text-xs text-muted-foreground">
                linked <RelativeTime date={identity.createdAt} />
              </p>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

/** Who you are, where you are signed in, and which identities are linked. */
export function ProfileView({ providerNames }: { providerNames: Record<string, string> }) {
  const trpc = useTRPC();
  const profile = useQuery(trpc.profile.get.queryOptions());

  if (profile.isPending) return <ProfileSkeleton />;
  if (profile.isError && !profile.data) {
    return (
      <ErrorState
        title="Couldn't load your profile"
        message={profile.error.message}
        onRetry={() => void profile.refetch()}
        isRetrying={profile.isFetching}
      />
    );
  }
  return (
    <div className="space-y-6">
      <AccountCard profile={profile.data} />
      <SessionsCard profile={profile.data} />
      <IdentitiesCard profile={profile.data} providerNames={providerNames} />
    </div>
  );
}
