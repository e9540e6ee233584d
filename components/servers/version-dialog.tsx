"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useState } from "react";
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
import { describedBy, Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { type DefinitionDraft, definitionInput, draftFromVersion, emptyDefinition } from "./definition-draft";
import { DefinitionSections } from "./definition-fields";
import { fieldErrorsOf, firstError } from "./field-errors";
import { FormErrorSummary } from "./form-error-summary";
import type { CommandTemplate, ManagedServer, ManagedVersion } from "./labels";
import { publishWording } from "./publish-form";

/** "1.4.2" → "1.4.3", "2025-06" → "2025-07"; otherwise empty, for the person to choose. */
export function nextVersionLabel(current: string | undefined): string {
  if (!current) return "1.0.0";
  const match = /^(.*?)(\d+)([^\d]*)$/.exec(current);
  if (!match) return "";
  const [, head = "", digits = "0", tail = ""] = match;
  return `${head}${String(Number(digits) + 1).padStart(digits.length, "0")}${tail}`;
}

export type VersionDialogMode = { kind: "new" } | { kind: "edit"; version: ManagedVersion };

/**
 * A new version (based on the newest one) or an edit of a draft or rejected version, with the same
 * "Where it runs" and "Configuration" sections as the publish form.
 */
export function VersionDialog({
  server,
  templates,
  mode,
  onOpenChange,
}: {
  server: ManagedServer;
  templates: readonly CommandTemplate[];
  mode: VersionDialogMode | null;
  onOpenChange: (open: boolean) => void;
}) {
  const [isDirty, setIsDirty] = useState(false);
  const [isPending, setIsPending] = useState(false);
  // A whole server definition is not thrown away by one click (useDiscardGuard).
  const guard = useDiscardGuard({
    isDirty,
    isPending,
    onDiscard: () => {
      setIsDirty(false);
      setIsPending(false);
      onOpenChange(false);
    },
  });

  return (
    <>
      <Dialog
        open={mode !== null}
        onOpenChange={(open) => (open ? onOpenChange(true) : guard.requestClose())}
      >
        {mode && (
          <DialogContent className="max-w-4xl" data-testid="version-dialog" {...guard.contentProps}>
            <VersionDialogBody
              // A fresh form each time the dialog opens for another purpose.
              key={mode.kind === "edit" ? mode.version.id : "new"}
              server={server}
              templates={templates}
              mode={mode}
              onDirtyChange={setIsDirty}
              onPendingChange={setIsPending}
              onCancel={guard.requestClose}
              onDone={guard.dialogProps.onConfirm}
            />
          </DialogContent>
        )}
      </Dialog>
      <DiscardChangesDialog
        {...guard.dialogProps}
        description="What you entered in this form is not saved. If you discard it, the server and its versions stay as they were."
      />
    </>
  );
}

function VersionDialogBody({
  server,
  templates,
  mode,
  onDirtyChange,
  onPendingChange,
  onCancel,
  onDone,
}: {
  server: ManagedServer;
  templates: readonly CommandTemplate[];
  mode: VersionDialogMode;
  onDirtyChange: (isDirty: boolean) => void;
  /** a save is in flight (the dialog then stays open) */
  onPendingChange: (isPending: boolean) => void;
  onCancel: () => void;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const formId = useId();
  const base = mode.kind === "edit" ? mode.version : server.versions[0];
  // What the form opened with, to tell whether closing would lose anything.
  const [initial] = useState(() => ({
    definition: base ? draftFromVersion(base, templates) : emptyDefinition(templates),
    label: mode.kind === "new" ? nextVersionLabel(server.versions[0]?.version) : "",
  }));
  const [definition, setDefinition] = useState<DefinitionDraft>(initial.definition);
  const [label, setLabel] = useState(initial.label);
  const isDirty =
    label !== initial.label || JSON.stringify(definition) !== JSON.stringify(initial.definition);
  useEffect(() => onDirtyChange(isDirty), [isDirty, onDirtyChange]);
  const [intent, setIntent] = useState<"draft" | "publish">("publish");

  const show = (detail: ManagedServer) => {
    queryClient.setQueryData(trpc.servers.get.queryKey({ serverId: detail.id }), detail);
    void queryClient.invalidateQueries({ queryKey: trpc.servers.list.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.catalog.pathKey() });
  };
  const create = useMutation(
    trpc.servers.createVersion.mutationOptions({
      onSuccess: (detail) => {
        show(detail);
        const created = detail.versions.find((version) => version.version === label.trim());
        toast.success(
          created?.status === "APPROVED"
            ? `Version ${label.trim()} is live`
            : created?.status === "PENDING_APPROVAL"
              ? `Version ${label.trim()} was submitted for approval`
              : `Draft of version ${label.trim()} saved`,
          {
            description:
              created?.status === "PENDING_APPROVAL"
                ? "New connections use the approved version until an admin approves this one."
                : undefined,
          },
        );
        onDone();
      },
    }),
  );
  const update = useMutation(
    trpc.servers.updateVersion.mutationOptions({
      onSuccess: (detail) => {
        show(detail);
        toast.success(`Version ${mode.kind === "edit" ? mode.version.version : ""} saved`);
        onDone();
      },
    }),
  );
  const mutation = mode.kind === "new" ? create : update;
  useEffect(() => onPendingChange(mutation.isPending), [mutation.isPending, onPendingChange]);
  const errors = fieldErrorsOf(mutation.error);
  const wording = publishWording(server.scope, server.viewer.canReview, definition.transport);

  const send = (chosen: "draft" | "publish") => {
    setIntent(chosen);
    const input = definitionInput(definition, templates);
    if (mode.kind === "new") {
      create.mutate({ serverId: server.id, version: label.trim(), definition: input, intent: chosen });
    } else {
      update.mutate({ serverId: server.id, versionId: mode.version.id, definition: input });
    }
  };
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    send("publish");
  };

  return (
    <>
      <DialogHeader>
        <DialogTitle>
          {mode.kind === "new" ? `New version of ${server.name}` : `Edit version ${mode.version.version}`}
        </DialogTitle>
        <DialogDescription>
          {mode.kind === "new"
            ? server.approvedVersionId
              ? `Starts from version ${base?.version ?? ""}. ${
                  server.scope === "SHARED" && !server.viewer.canReview
                    ? "New connections use the approved version until an admin approves this one."
                    : "New connections use it once it's published; existing ones keep their version until their owners move them."
                }`
              : "Starts from the newest version."
            : "Only drafts and rejected versions can change; submit it again when you're done."}{" "}
          Shared secrets left blank keep their current value.
        </DialogDescription>
      </DialogHeader>
      <form id={formId} onSubmit={onSubmit} noValidate className="space-y-5">
        <FormErrorSummary error={mutation.error} />
        {mode.kind === "new" && (
          <Field
            id={`${formId}-version`}
            label="Version"
            hint={base ? `The newest is ${base.version}.` : undefined}
            error={firstError(errors, "version")}
            className="max-w-56"
          >
            <Input
              id={`${formId}-version`}
              value={label}
              onChange={(event) => setLabel(event.target.value)}
              className="font-mono"
              maxLength={100}
              autoComplete="off"
              spellCheck={false}
              {...describedBy(`${formId}-version`, Boolean(base), firstError(errors, "version"))}
            />
          </Field>
        )}
        <DefinitionSections
          idPrefix={`${formId}-def`}
          value={definition}
          onChange={setDefinition}
          templates={templates}
          errors={errors}
        />
      </form>
      <DialogFooter className="sm:items-center">
        {mode.kind === "new" && (
          <p className="text-xs text-muted-foreground sm:mr-auto sm:max-w-sm">{wording.note}</p>
        )}
        <Button variant="ghost" onClick={onCancel} disabled={mutation.isPending}>
          Cancel
        </Button>
        {mode.kind === "new" ? (
          <>
            <Button variant="outline" onClick={() => send("draft")} disabled={mutation.isPending}>
              {mutation.isPending && intent === "draft" ? "Saving…" : "Save draft"}
            </Button>
            <Button type="submit" form={formId} disabled={mutation.isPending} data-testid="version-publish">
              {mutation.isPending && intent === "publish" ? `${wording.label}…` : wording.label}
            </Button>
          </>
        ) : (
          <Button type="submit" form={formId} disabled={mutation.isPending} data-testid="version-save">
            {mutation.isPending ? "Saving…" : "Save changes"}
          </Button>
        )}
      </DialogFooter>
    </>
  );
}
