"use client";

import { useMutation } from "@tanstack/react-query";
import { KeyRound } from "lucide-react";
import { useEffect } from "react";
import { toast } from "sonner";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { CopyField } from "@/components/ui/copy-field";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { FormError } from "@/components/ui/field-error";
import type { UserRow } from "./use-user-cache";
import { displayName } from "./viewer";

/**
 * Two steps: say what a reset does, then show the temporary password exactly once. Closing the
 * dialog forgets it; there is no way to see it again (a new reset makes a new one).
 */
export function ResetPasswordDialog({
  user,
  open,
  onClose,
}: {
  user: UserRow | null;
  open: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const reset = useMutation(
    trpc.users.resetPassword.mutationOptions({
      // Once reset() lets go of it, the result (the password) leaves the mutation cache at once.
      gcTime: 0,
      onSuccess: () => toast.success("Password reset", { description: "Their sessions have been ended." }),
    }),
  );
  const { reset: clearResult } = reset;

  // The password is forgotten whenever the dialog closes, also when the page closes it (or goes
  // away), so the next opening starts fresh and never shows an earlier user's password.
  useEffect(() => {
    if (!open) return;
    return () => clearResult();
  }, [open, clearResult]);

  function close() {
    if (reset.isPending) return;
    // The password is forgotten on close: the mutation's result is its only copy.
    clearResult();
    onClose();
  }

  const name = user ? displayName(user) : "";
  const temporaryPassword = reset.data?.temporaryPassword;

  return (
    <Dialog open={open} onOpenChange={(next) => !next && close()}>
      <DialogContent
        data-testid="reset-password-dialog"
        // The password is shown only once: a stray click outside must not throw it away.
        onInteractOutside={(event) => temporaryPassword && event.preventDefault()}
      >
        {temporaryPassword ? (
          <>
            <DialogHeader>
              <DialogTitle>Temporary password for {name}</DialogTitle>
              <DialogDescription>
                Give it to {name} privately. It is shown only this once. They have been signed out everywhere
                and sign in with it next.
              </DialogDescription>
            </DialogHeader>
            <CopyField
              value={temporaryPassword}
              label="Temporary password"
              testId="temporary-password"
              isSecret
            />
            <DialogFooter>
              <Button onClick={close}>Done</Button>
            </DialogFooter>
          </>
        ) : (
          <>
            <DialogHeader>
              <DialogTitle>Reset {name}'s password?</DialogTitle>
              <DialogDescription>
                Gatehouse makes a new temporary password for {user?.email}. Their current password stops
                working and they are signed out of every session. Their API tokens keep working.
              </DialogDescription>
            </DialogHeader>
            {reset.isError && <FormError>{reset.error.message}</FormError>}
            <DialogFooter>
              <Button variant="outline" onClick={close} disabled={reset.isPending}>
                Cancel
              </Button>
              <Button
                onClick={() => user && reset.mutate({ userId: user.id })}
                disabled={reset.isPending || !user}
              >
                <KeyRound aria-hidden="true" />
                {reset.isPending ? "Resetting…" : "Reset password"}
              </Button>
            </DialogFooter>
          </>
        )}
      </DialogContent>
    </Dialog>
  );
}
