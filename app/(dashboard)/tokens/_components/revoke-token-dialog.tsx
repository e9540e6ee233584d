"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { useTRPC } from "@/components/providers/trpc-provider";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { FormError } from "@/components/ui/field-error";

export type RevocableToken = {
  id: string;
  name: string;
  displayPrefix: string;
  /** set when revoking someone else's token (the Admin view) */
  ownerLabel?: string;
};

/** "Revoke this token?" The token stops working on its next request, on every instance. */
export function RevokeTokenDialog({
  token,
  open,
  onOpenChange,
}: {
  token: RevocableToken | null;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const revoke = useMutation(
    trpc.tokens.revoke.mutationOptions({
      onSuccess: (result) => {
        toast.success("Token revoked", {
          description: result.isBroadcast
            ? `${result.name} no longer works, and agents using it were disconnected.`
            : `${result.name} no longer works. Agents still connected lose access on their next request.`,
        });
        void queryClient.invalidateQueries({ queryKey: trpc.tokens.list.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.tokens.listAll.pathKey() });
        onOpenChange(false);
      },
    }),
  );

  return (
    <ConfirmDialog
      open={open}
      onOpenChange={(next) => {
        if (!next) revoke.reset();
        onOpenChange(next);
      }}
      title={token ? `Revoke “${token.name}”?` : "Revoke token?"}
      description={
        <>
          Agents using{" "}
          <code className="font-mono text-xs text-foreground">{token?.displayPrefix ?? "this token"}</code>
          {token?.ownerLabel ? ` (${token.ownerLabel}'s token)` : ""} lose access at once: their next request
          is refused and open streams are closed. This cannot be undone.
        </>
      }
      confirmLabel="Revoke token"
      pendingLabel="Revoking…"
      isDestructive
      isPending={revoke.isPending}
      onConfirm={() => token && revoke.mutate({ tokenId: token.id })}
    >
      {revoke.error && <FormError>{revoke.error.message}</FormError>}
    </ConfirmDialog>
  );
}
