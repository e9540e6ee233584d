"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { UserPlus } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { toast } from "sonner";
import { formatDateTime } from "@/components/lib/dates";
import { fieldMessage } from "@/components/lib/errors";
import type { RouterOutputs } from "@/components/lib/router-types";
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
  DialogTrigger,
} from "@/components/ui/dialog";
import { FieldError, FormError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { type PlatformRole, ROLE_LABELS } from "@/server/policy/permissions";
import { invitableRoles, type Viewer } from "./viewer";

const EXPIRY_OPTIONS = [
  { days: 1, label: "1 day" },
  { days: 3, label: "3 days" },
  { days: 7, label: "7 days" },
  { days: 14, label: "14 days" },
  { days: 30, label: "30 days" },
];
const DEFAULT_EXPIRY_DAYS = 7;

type Created = RouterOutputs["invitations"]["create"];

/**
 * "Invite people": an email and a role make a single-use link, shown once for the inviter to send.
 * Gatehouse sends no email itself.
 */
export function InviteDialog({ viewer, hasSingleSignOn }: { viewer: Viewer; hasSingleSignOn: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const formId = useId();
  const [isOpen, setIsOpen] = useState(false);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<PlatformRole>("BASIC_USER");
  const [expiresInDays, setExpiresInDays] = useState(DEFAULT_EXPIRY_DAYS);
  const [created, setCreated] = useState<Created | null>(null);

  const create = useMutation(
    trpc.invitations.create.mutationOptions({
      onSuccess: (result) => {
        setCreated(result);
        toast.success("Invitation created", { description: `Send the link to ${result.invitation.email}.` });
        void queryClient.invalidateQueries({ queryKey: trpc.invitations.list.queryKey() });
      },
    }),
  );

  function startOver() {
    setCreated(null);
    setEmail("");
    setRole("BASIC_USER");
    setExpiresInDays(DEFAULT_EXPIRY_DAYS);
    create.reset();
  }

  function onOpenChange(open: boolean) {
    if (create.isPending) return;
    setIsOpen(open);
    // The link is shown once: reopening starts a new invitation rather than showing it again.
    if (!open) setTimeout(startOver, 200);
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate({ email: email.trim(), role, expiresInDays });
  }

  const emailError = fieldMessage(create.error, "email");
  const otherError = create.error && !emailError ? create.error.message : undefined;

  return (
    <Dialog open={isOpen} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button data-testid="invite-button">
          <UserPlus aria-hidden="true" />
          Invite people
        </Button>
      </DialogTrigger>
      <DialogContent
        data-testid="invite-dialog"
        // The link is shown only once: a stray click outside must not throw it away.
        onInteractOutside={(event) => created && event.preventDefault()}
      >
        {created ? (
          <>
            <DialogHeader>
              <DialogTitle>Invitation link created</DialogTitle>
              <DialogDescription>
                Send this link to{" "}
                <span className="font-medium text-foreground">{created.invitation.email}</span>. It works once
                and expires on {formatDateTime(new Date(created.invitation.expiresAt))}.
              </DialogDescription>
            </DialogHeader>
            <div className="space-y-2">
              <CopyField value={created.url} label="Invitation link" testId="invitation-link" />
              <p className="text-xs text-muted-foreground">
                This is the only time the link is shown. They join as {ROLE_LABELS[created.invitation.role]}.
              </p>
            </div>
            <DialogFooter>
              <Button variant="outline" onClick={startOver}>
                Invite someone else
              </Button>
              <Button onClick={() => onOpenChange(false)}>Done</Button>
            </DialogFooter>
          </>
        ) : (
          <>
            <DialogHeader>
              <DialogTitle>Invite people</DialogTitle>
              <DialogDescription>
                Gatehouse makes a single-use link for you to send. The person sets their name and password
                when they open it
                {hasSingleSignOn ? ", or signs in with your company sign-in using this email address." : "."}
              </DialogDescription>
            </DialogHeader>
            <form id={formId} onSubmit={submit} className="space-y-4">
              <div className="space-y-2">
                <Label htmlFor={`${formId}-email`}>Email</Label>
                <Input
                  id={`${formId}-email`}
                  type="email"
                  required
                  autoComplete="off"
                  placeholder="name@example.com"
                  value={email}
                  onChange={(event) => setEmail(event.target.value)}
                  aria-invalid={Boolean(emailError) || undefined}
                  aria-describedby={emailError ? `${formId}-email-error` : undefined}
                />
                <FieldError id={`${formId}-email-error`}>{emailError}</FieldError>
              </div>
              <div className="grid gap-4 sm:grid-cols-2">
                <div className="space-y-2">
                  <Label htmlFor={`${formId}-role`}>Role</Label>
                  <NativeSelect
                    id={`${formId}-role`}
                    value={role}
                    onChange={(event) => setRole(event.target.value as PlatformRole)}
                  >
                    {invitableRoles(viewer).map((option) => (
                      <option key={option} value={option}>
                        {ROLE_LABELS[option]}
                      </option>
                    ))}
                  </NativeSelect>
                </div>
                <div className="space-y-2">
                  <Label htmlFor={`${formId}-expiry`}>Link expires after</Label>
                  <NativeSelect
                    id={`${formId}-expiry`}
                    value={expiresInDays}
                    onChange={(event) => setExpiresInDays(Number(event.target.value))}
                  >
                    {EXPIRY_OPTIONS.map((option) => (
                      <option key={option.days} value={option.days}>
                        {option.label}
                      </option>
                    ))}
                  </NativeSelect>
                </div>
              </div>
              {otherError && <FormError>{otherError}</FormError>}
            </form>
            <DialogFooter>
              <Button variant="outline" onClick={() => onOpenChange(false)} disabled={create.isPending}>
                Cancel
              </Button>
              <Button type="submit" form={formId} disabled={create.isPending}>
                {create.isPending ? "Creating…" : "Create invitation link"}
              </Button>
            </DialogFooter>
          </>
        )}
      </DialogContent>
    </Dialog>
  );
}
