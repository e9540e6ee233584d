"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { toast } from "sonner";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { FieldError, FormError } from "@/components/ui/field-error";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { fieldErrorsOf, firstError } from "./field-errors";
import type { ManagedServer } from "./labels";

export type ReviewTarget = {
  serverId: string;
  serverName: string;
  versionId: string;
  version: string;
  ownerName: string;
  isUpdate: boolean;
};

/** After a decision: every page that shows the server, the queue or the list refetches. */
export function useReviewInvalidation() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return (detail: ManagedServer) => {
    queryClient.setQueryData(trpc.servers.get.queryKey({ serverId: detail.id }), detail);
    void queryClient.invalidateQueries({ queryKey: trpc.servers.reviewQueue.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.servers.list.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.catalog.pathKey() });
  };
}

/**
 * Approve or reject one pending version. Rejecting needs a reason (the owner reads it in their
 * notification); approving takes an optional note.
 */
export function ReviewDialog({
  target,
  decision,
  onOpenChange,
}: {
  target: ReviewTarget | null;
  decision: "approve" | "reject";
  onOpenChange: (open: boolean) => void;
}) {
  const trpc = useTRPC();
  const formId = useId();
  const refresh = useReviewInvalidation();
  const [reason, setReason] = useState("");
  const [localError, setLocalError] = useState<string | undefined>();
  const review = useMutation(
    trpc.servers.review.mutationOptions({
      onSuccess: (detail) => {
        refresh(detail);
        toast.success(
          decision === "approve"
            ? `${detail.name} ${target?.version ?? ""} approved`
            : `${detail.name} ${target?.version ?? ""} rejected`,
          {
            description:
              decision === "reject"
                ? "The owner is notified with your reason."
                : target?.isUpdate
                  ? "Existing connections keep their version; their owners are offered the move. The server's owner is notified."
                  : "The server's owner is notified.",
          },
        );
        close(false);
      },
    }),
  );

  function close(open: boolean) {
    if (review.isPending) return;
    if (!open) {
      setReason("");
      setLocalError(undefined);
      review.reset();
    }
    onOpenChange(open);
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!target) return;
    if (decision === "reject" && !reason.trim()) {
      setLocalError("Say why, so the owner knows what to change.");
      return;
    }
    setLocalError(undefined);
    review.mutate({
      serverId: target.serverId,
      versionId: target.versionId,
      decision,
      reason: reason.trim() || undefined,
    });
  }

  const reasonError = localError ?? firstError(fieldErrorsOf(review.error), "reason");
  const otherError = review.error && !reasonError ? review.error.message : undefined;
  const isReject = decision === "reject";

  return (
    <Dialog open={target !== null} onOpenChange={close}>
      <DialogContent data-testid={isReject ? "reject-dialog" : "approve-dialog"}>
        <DialogHeader>
          <DialogTitle>
            {isReject ? "Reject" : "Approve"} {target?.serverName} {target?.version}?
          </DialogTitle>
          <DialogDescription>
            {isReject
              ? `${target?.ownerName} is notified with your reason and can submit a changed version.`
              : target?.isUpdate
                ? "New connections use this version. Existing connections keep theirs; their owners are offered the move to this one. The server's owner is notified."
                : "The server becomes usable by whoever a registry grants it to, and the owner is notified."}
          </DialogDescription>
        </DialogHeader>
        <form id={formId} onSubmit={submit} className="space-y-2" noValidate>
          <Label htmlFor={`${formId}-reason`}>
            {isReject ? "Reason" : "Note to the owner"}
            {!isReject && <span className="font-normal text-muted-foreground"> (optional)</span>}
          </Label>
          <Textarea
            id={`${formId}-reason`}
            value={reason}
            onChange={(event) => setReason(event.target.value)}
            rows={4}
            maxLength={2000}
            placeholder={
              isReject ? "e.g. Pin an exact package version, and describe what the tools do." : undefined
            }
            aria-invalid={reasonError ? true : undefined}
            aria-describedby={reasonError ? `${formId}-reason-error` : undefined}
            required={isReject}
            autoFocus
          />
          <FieldError id={`${formId}-reason-error`}>{reasonError}</FieldError>
          {otherError && <FormError>{otherError}</FormError>}
        </form>
        <DialogFooter>
          <Button variant="outline" onClick={() => close(false)} disabled={review.isPending}>
            Cancel
          </Button>
          <Button
            type="submit"
            form={formId}
            variant={isReject ? "destructive" : "default"}
            disabled={review.isPending}
            data-testid={isReject ? "confirm-reject" : "confirm-approve"}
          >
            {review.isPending ? (isReject ? "Rejecting…" : "Approving…") : isReject ? "Reject" : "Approve"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
