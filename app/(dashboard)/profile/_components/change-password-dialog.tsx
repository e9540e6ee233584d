"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { KeyRound } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { toast } from "sonner";
import { fieldMessage } from "@/components/lib/errors";
import { pluralize } from "@/components/lib/format";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";
import { FieldError, FormError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

// The server's policy (server/services/auth/password-policy.ts) decides; this only saves a round trip.
const MIN_LENGTH = 12;

function signedOutText(count: number): string {
  if (count === 0) return "You had no other sessions to sign out.";
  return `Your ${pluralize(count, "other session")} ${count === 1 ? "was" : "were"} signed out.`;
}

/**
 * The current password, then the new one twice. A wrong current password counts toward the
 * account's lockout like a failed sign-in; on success every other session ends and this one stays.
 */
export function ChangePasswordDialog({ email }: { email: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const formId = useId();
  const [isOpen, setIsOpen] = useState(false);
  const [currentPassword, setCurrentPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [confirmError, setConfirmError] = useState<string | undefined>();

  const change = useMutation(
    trpc.profile.changePassword.mutationOptions({
      // Its variables are both passwords: once reset() lets go of it, it leaves the cache at once.
      gcTime: 0,
      onSuccess: ({ sessionsEnded }) => {
        toast.success("Password changed", { description: signedOutText(sessionsEnded) });
        void queryClient.invalidateQueries({ queryKey: trpc.profile.get.queryKey() });
        close();
      },
    }),
  );

  function clear() {
    setCurrentPassword("");
    setNewPassword("");
    setConfirm("");
    setConfirmError(undefined);
    change.reset();
  }

  function close() {
    setIsOpen(false);
    // After the closing animation; passwords do not stay in memory once the dialog is gone.
    setTimeout(clear, 200);
  }

  function onOpenChange(open: boolean) {
    if (change.isPending) return;
    if (open) {
      clear();
      setIsOpen(true);
    } else {
      close();
    }
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (newPassword !== confirm) {
      change.reset();
      setConfirmError("The two passwords do not match.");
      return;
    }
    setConfirmError(undefined);
    change.mutate({ currentPassword, newPassword });
  }

  const currentError = fieldMessage(change.error, "currentPassword");
  const newError = fieldMessage(change.error, "newPassword");
  const otherError = change.error && !currentError && !newError ? change.error.message : undefined;
  const hasInput = Boolean(currentPassword || newPassword || confirm);

  return (
    <Dialog open={isOpen} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm" data-testid="change-password-button">
          <KeyRound aria-hidden="true" />
          Change password
        </Button>
      </DialogTrigger>
      <DialogContent
        data-testid="change-password-dialog"
        // A stray click beside the dialog must not throw away what was typed.
        onInteractOutside={(event) => (hasInput || change.isPending) && event.preventDefault()}
      >
        <DialogHeader>
          <DialogTitle>Change password</DialogTitle>
          <DialogDescription>
            Your other sessions are signed out; this one stays signed in. Your API tokens keep working.
          </DialogDescription>
        </DialogHeader>
        <form id={formId} onSubmit={submit} className="space-y-4">
          {/* For password managers: which account the new password belongs to. */}
          <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
          <div className="space-y-2">
            <Label htmlFor={`${formId}-current`}>Current password</Label>
            <Input
              id={`${formId}-current`}
              type="password"
              autoComplete="current-password"
              required
              value={currentPassword}
              onChange={(event) => setCurrentPassword(event.target.value)}
              aria-invalid={Boolean(currentError) || undefined}
              aria-describedby={currentError ? `${formId}-current-error` : undefined}
            />
            <FieldError id={`${formId}-current-error`}>{currentError}</FieldError>
          </div>
          <div className="space-y-2">
            <Label htmlFor={`${formId}-new`}>New password</Label>
            <Input
              id={`${formId}-new`}
              type="password"
              autoComplete="new-password"
              required
              minLength={MIN_LENGTH}
              value={newPassword}
              onChange={(event) => setNewPassword(event.target.value)}
              aria-invalid={Boolean(newError) || undefined}
              aria-describedby={newError ? `${formId}-new-error` : `${formId}-new-hint`}
            />
            {newError ? (
              <FieldError id={`${formId}-new-error`}>{newError}</FieldError>
            ) : (
              <p id={`${formId}-new-hint`} className="text-xs text-muted-foreground">
                At least {MIN_LENGTH} characters. A few unrelated words make a good one.
              </p>
            )}
          </div>
          <div className="space-y-2">
            <Label htmlFor={`${formId}-confirm`}>Confirm new password</Label>
            <Input
              id={`${formId}-confirm`}
              type="password"
              autoComplete="new-password"
              required
              minLength={MIN_LENGTH}
              value={confirm}
              onChange={(event) => setConfirm(event.target.value)}
              aria-invalid={Boolean(confirmError) || undefined}
              aria-describedby={confirmError ? `${formId}-confirm-error` : undefined}
            />
            <FieldError id={`${formId}-confirm-error`}>{confirmError}</FieldError>
          </div>
          {otherError && <FormError>{otherError}</FormError>}
        </form>
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)} disabled={change.isPending}>
            Cancel
          </Button>
          <Button type="submit" form={formId} disabled={change.isPending}>
            {change.isPending ? "Changing…" : "Change password"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
