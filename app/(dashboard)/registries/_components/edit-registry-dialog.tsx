"use client";

import { useMutation } from "@tanstack/react-query";
import { Pencil } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { toast } from "sonner";
import { fieldMessage } from "@/components/lib/errors";
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
import { describedBy, Field } from "@/components/ui/field";
import { FormError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import type { RegistryDetail } from "./registry-detail";

/** Rename a registry or change its description. The slug stays: the CLI refers to it. */
export function EditRegistryDialog({
  registry,
  onSaved,
}: {
  registry: RegistryDetail;
  onSaved: (detail: RegistryDetail) => void;
}) {
  const trpc = useTRPC();
  const formId = useId();
  const [isOpen, setIsOpen] = useState(false);
  const [name, setName] = useState(registry.name);
  const [description, setDescription] = useState(registry.description);

  const update = useMutation(
    trpc.registries.update.mutationOptions({
      onSuccess: (detail) => {
        onSaved(detail);
        toast.success("Registry saved");
        setIsOpen(false);
      },
    }),
  );

  function onOpenChange(open: boolean) {
    if (update.isPending) return;
    setIsOpen(open);
    if (open) {
      setName(registry.name);
      setDescription(registry.description);
      update.reset();
    }
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    update.mutate({ registryId: registry.id, name: name.trim(), description: description.trim() });
  }

  const nameError = fieldMessage(update.error, "name");
  const otherError = update.error && !nameError ? update.error.message : undefined;

  return (
    <Dialog open={isOpen} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button variant="outline" data-testid="edit-registry-button">
          <Pencil aria-hidden="true" />
          Edit
        </Button>
      </DialogTrigger>
      <DialogContent data-testid="edit-registry-dialog">
        <DialogHeader>
          <DialogTitle>Edit registry</DialogTitle>
          <DialogDescription>Rename the registry or change its description.</DialogDescription>
        </DialogHeader>
        <form id={formId} onSubmit={submit} className="space-y-4">
          <Field id={`${formId}-name`} label="Name" error={nameError}>
            <Input
              id={`${formId}-name`}
              required
              maxLength={100}
              value={name}
              onChange={(event) => setName(event.target.value)}
              {...describedBy(`${formId}-name`, false, nameError)}
            />
          </Field>
          <Field id={`${formId}-description`} label="Description" optional>
            <Textarea
              id={`${formId}-description`}
              rows={3}
              maxLength={500}
              value={description}
              onChange={(event) => setDescription(event.target.value)}
            />
          </Field>
          {otherError && <FormError>{otherError}</FormError>}
        </form>
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)} disabled={update.isPending}>
            Cancel
          </Button>
          <Button type="submit" form={formId} disabled={update.isPending}>
            {update.isPending ? "Saving…" : "Save"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
