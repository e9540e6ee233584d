"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { MailPlus } from "lucide-react";
import { type ReactNode, useState } from "react";
import { toast } from "sonner";
import { formatDateTime } from "@/components/lib/dates";
import type { RouterOutputs } from "@/components/lib/router-types";
import { useIsHydrated } from "@/components/lib/use-now";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { ROLE_LABELS } from "@/server/policy/permissions";
import { displayName } from "./viewer";

type Invitation = RouterOutputs["invitations"]["list"][number];

const STATUS: Record<Invitation["status"], { label: string; variant: "success" | "secondary" | "outline" }> =
  {
    pending: { label: "Pending", variant: "outline" },
    accepted: { label: "Accepted", variant: "success" },
    expired: { label: "Expired", variant: "secondary" },
    revoked: { label: "Revoked", variant: "secondary" },
  };

function ExpiresCell({ invitation }: { invitation: Invitation }) {
  const isHydrated = useIsHydrated();
  const expiresAt = new Date(invitation.expiresAt);
  if (invitation.status !== "pending")
    return <Badge variant={STATUS[invitation.status].variant}>{STATUS[invitation.status].label}</Badge>;
  return (
    // The browser's time zone decides the text; until hydration it shows the relative time only.
    <span title={isHydrated ? expiresAt.toLocaleString() : undefined}>
      {isHydrated ? formatDateTime(expiresAt) : "…"}
    </span>
  );
}

/** Links sent and not used yet, each revocable; used, expired and revoked ones on request. */
export function PendingInvitations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [isShowingPast, setIsShowingPast] = useState(false);
  // The invitation stays set while its dialog animates closed, so the dialog's text does not go blank.
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const [isConfirmingRevoke, setIsConfirmingRevoke] = useState(false);
  const invitations = useQuery(trpc.invitations.list.queryOptions());

  const revoke = useMutation(
    trpc.invitations.revoke.mutationOptions({
      onSuccess: () => {
        const email = invitations.data?.find((row) => row.id === revoke.variables?.invitationId)?.email;
        toast.success("Invitation revoked", {
          description: email ? `The link sent to ${email} no longer works.` : "The link no longer works.",
        });
        void queryClient.invalidateQueries({ queryKey: trpc.invitations.list.queryKey() });
        setIsConfirmingRevoke(false);
      },
      onError: (error) => toast.error("Couldn't revoke the invitation", { description: error.message }),
    }),
  );

  const all = invitations.data ?? [];
  const pending = all.filter((row) => row.status === "pending");
  const past = all.filter((row) => row.status !== "pending");
  const rows = isShowingPast ? [...pending, ...past] : pending;

  let body: ReactNode;
  if (invitations.isPending) {
    body = (
      <div className="space-y-3 border-t px-5 py-5">
        {["a", "b"].map((key) => (
          <div key={key} className="flex items-center gap-4">
            <Skeleton className="h-4 w-48" />
            <Skeleton className="h-4 w-20" />
            <Skeleton className="ml-auto h-8 w-20" />
          </div>
        ))}
      </div>
    );
  } else if (invitations.isError && !invitations.data) {
    body = (
      <div className="border-t p-5">
        <ErrorState
          title="Couldn't load the invitations"
          message={invitations.error.message}
          onRetry={() => void invitations.refetch()}
          isRetrying={invitations.isFetching}
        />
      </div>
    );
  } else if (rows.length === 0) {
    body = (
      <EmptyState
        className="border-t"
        icon={MailPlus}
        title="No pending invitations"
        description="Invite people with the button at the top of the page; their links wait here until they are used."
      />
    );
  } else {
    body = (
      <div className="border-t">
        <Table data-testid="invitations-table">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Email</TableHead>
              <TableHead>Role</TableHead>
              <TableHead className="hidden md:table-cell">Invited by</TableHead>
              <TableHead className="hidden sm:table-cell">Sent</TableHead>
              <TableHead>Expires</TableHead>
              <TableHead className="w-24">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {rows.map((invitation) => {
              const isRevoking = revoke.isPending && revoke.variables?.invitationId === invitation.id;
              return (
                <TableRow
                  key={invitation.id}
                  data-testid="invitation-row"
                  data-email={invitation.email}
                  data-status={invitation.status}
                >
                  <TableCell className="max-w-64 truncate font-medium">{invitation.email}</TableCell>
                  <TableCell className="whitespace-nowrap">{ROLE_LABELS[invitation.role]}</TableCell>
                  <TableCell className="hidden max-w-48 truncate text-muted-foreground md:table-cell">
                    {displayName(invitation.invitedBy)}
                  </TableCell>
                  <TableCell className="hidden whitespace-nowrap text-muted-foreground sm:table-cell">
                    <RelativeTime date={invitation.createdAt} />
                  </TableCell>
                  <TableCell className="whitespace-nowrap text-muted-foreground">
                    <ExpiresCell invitation={invitation} />
                  </TableCell>
                  <TableCell className="text-right">
                    {invitation.status === "pending" && (
                      <Button
                        variant="outline"
                        size="sm"
                        onClick={() => {
                          setRevoking(invitation);
                          setIsConfirmingRevoke(true);
                        }}
                        disabled={isRevoking}
                        aria-label={`Revoke the invitation for ${invitation.email}`}
                      >
                        {isRevoking ? "Revoking…" : "Revoke"}
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </div>
    );
  }

  return (
    <Card data-testid="pending-invitations">
      <CardHeader className="flex-wrap pb-4">
        <div className="space-y-1">
          <CardTitle as="h2">Pending invitations</CardTitle>
          <CardDescription>
            Links that were sent and not used yet. Revoking one stops it from working.
          </CardDescription>
        </div>
        {past.length > 0 && (
          <CardAction>
            <Button variant="ghost" size="sm" onClick={() => setIsShowingPast((value) => !value)}>
              {isShowingPast ? "Hide past invitations" : `Show past invitations (${past.length})`}
            </Button>
          </CardAction>
        )}
      </CardHeader>
      {body}
      <ConfirmDialog
        open={isConfirmingRevoke}
        onOpenChange={setIsConfirmingRevoke}
        title={`Revoke the invitation for ${revoking?.email ?? ""}?`}
        description={`The link sent to ${revoking?.email ?? "them"} stops working at once. You can send them a new invitation at any time.`}
        confirmLabel="Revoke invitation"
        pendingLabel="Revoking…"
        isDestructive
        isPending={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate({ invitationId: revoking.id })}
      />
    </Card>
  );
}
