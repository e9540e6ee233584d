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
import { DiscardChangesDialog, useDiscardGuard } from "@/components/ui/discard-guard";
import { fieldErrorsOf } from "./field-errors";
import { FormErrorSummary } from "./form-error-summary";
import type { ManagedServer } from "./labels";
import { type MetadataDraft, MetadataFields, metadataInput } from "./metadata-fields";

function draftOf(server: ManagedServer): MetadataDraft {
  return {
    name: server.name,
    slug: server.slug,
    isSlugEdited: true,
    description: server.description,
    tags: server.tags,
    iconUrl: server.iconUrl ?? "",
    websiteUrl: server.websiteUrl ?? "",
    repositoryUrl: server.repositoryUrl ?? "",
  };
}

/** Name, slug, description, tags and links of a server; they apply at once, without a review. */
export function EditDetailsDialog({
  server,
  open,
  onOpenChange,
}: {
  server: ManagedServer;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const formId = useId();
  const [draft, setDraft] = useState<MetadataDraft>(() => draftOf(server));
  // What the form opened with: closing asks first once the draft differs from it.
  const [openedWith, setOpenedWith] = useState<MetadataDraft>(() => draftOf(server));
  const [wasOpen, setWasOpen] = useState(open);
  // The page opens the dialog by setting `open`: each opening starts from the server's current details.
  if (open !== wasOpen) {
    setWasOpen(open);
    if (open) {
      const fresh = draftOf(server);
      setDraft(fresh);
      setOpenedWith(fresh);
    }
  }
  const isDirty = JSON.stringify(draft) !== JSON.stringify(openedWith);
  const update = useMutation(
    trpc.servers.update.mutationOptions({
      onSuccess: (detail) => {
        queryClient.setQueryData(trpc.servers.get.queryKey({ serverId: detail.id }), detail);
        void queryClient.invalidateQueries({ queryKey: trpc.servers.list.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.catalog.pathKey() });
        toast.success("Details saved");
        onOpenChange(false);
      },
    }),
  );

  // Unsaved changes are not thrown away by one click (useDiscardGuard).
  const guard = useDiscardGuard({
    isDirty,
    isPending: update.isPending,
    onDiscard: () => {
      update.reset();
      onOpenChange(false);
    },
  });

  function changeOpen(next: boolean) {
    if (update.isPending) return;
    if (next) onOpenChange(true);
    else guard.requestClose();
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    update.mutate({ serverId: server.id, ...metadataInput(draft) });
  }

  return (
    <>
      <Dialog open={open} onOpenChange={changeOpen}>
        <DialogContent className="max-w-3xl" data-testid="edit-details-dialog" {...guard.contentProps}>
          <DialogHeader>
            <DialogTitle>Edit details</DialogTitle>
            <DialogDescription>
              How {server.name} appears in the catalog. Changes show at once; they don't need a new version or
              a review.
            </DialogDescription>
          </DialogHeader>
          <form id={formId} onSubmit={submit} noValidate className="space-y-5">
            <FormErrorSummary error={update.error} />
            <MetadataFields
              idPrefix={`${formId}-meta`}
              value={draft}
              onChange={setDraft}
              errors={fieldErrorsOf(update.error)}
            />
          </form>
          <DialogFooter>
            <Button variant="outline" onClick={() => changeOpen(false)} disabled={update.isPending}>
              Cancel
            </Button>
            <Button type="submit" form={formId} disabled={update.isPending}>
              {update.isPending ? "Saving…" : "Save details"}
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
      <DiscardChangesDialog
        {...guard.dialogProps}
        description={`Your edits to ${server.name}'s details are not saved. If you discard them, the details stay as they were.`}
      />
    </>
  );
}
