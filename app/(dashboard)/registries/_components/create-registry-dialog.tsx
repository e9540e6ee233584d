"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Plus } from "lucide-react";
import { useRouter } from "next/navigation";
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
import { suggestSlug } from "./slug";

/** Name, slug (proposed from the name until edited) and description; opens the new registry. */
export function CreateRegistryDialog({
  variant = "default",
  label = "Create registry",
  testId = "create-registry-button",
}: {
  variant?: "default" | "outline";
  label?: string;
  testId?: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const formId = useId();
  const [isOpen, setIsOpen] = useState(false);
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [isSlugEdited, setIsSlugEdited] = useState(false);
  const [description, setDescription] = useState("");

  const create = useMutation(
    trpc.registries.create.mutationOptions({
      onSuccess: (registry) => {
        toast.success("Registry created", {
          description: `Add who ${registry.name} is for and which servers it grants.`,
        });
        void queryClient.invalidateQueries({ queryKey: trpc.registries.list.pathKey() });
        setIsOpen(false);
        router.push(`/registries/${registry.id}`);
      },
    }),
  );

  function onOpenChange(open: boolean) {
    if (create.isPending) return;
    setIsOpen(open);
    if (open) {
      setName("");
      setSlug("");
      setIsSlugEdited(false);
      setDescription("");
      create.reset();
    }
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate({ name: name.trim(), slug: slug.trim(), description: description.trim() || undefined });
  }

  const nameError = fieldMessage(create.error, "name");
  const slugError = fieldMessage(create.error, "slug");
  const descriptionError = fieldMessage(create.error, "description");
  const otherError =
    create.error && !nameError && !slugError && !descriptionError ? create.error.message : undefined;

  return (
    <Dialog open={isOpen} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button variant={variant} data-testid={testId}>
          <Plus aria-hidden="true" />
          {label}
        </Button>
      </DialogTrigger>
      <DialogContent data-testid="create-registry-dialog">
        <DialogHeader>
          <DialogTitle>Create registry</DialogTitle>
          <DialogDescription>
            A registry grants people, teams or everyone a set of servers. It grants nothing until you add
            both.
          </DialogDescription>
        </DialogHeader>
        <form id={formId} onSubmit={submit} className="space-y-4">
          <Field id={`${formId}-name`} label="Name" error={nameError}>
            <Input
              id={`${formId}-name`}
              required
              maxLength={100}
              placeholder="Data tools"
              value={name}
              onChange={(event) => {
                setName(event.target.value);
                if (!isSlugEdited) setSlug(suggestSlug(event.target.value));
              }}
              {...describedBy(`${formId}-name`, false, nameError)}
            />
          </Field>
          <Field
            id={`${formId}-slug`}
            label="Slug"
            hint="Lowercase letters, digits and dashes. Operators use it on the command line; it cannot be changed later."
            error={slugError}
          >
            <Input
              id={`${formId}-slug`}
              required
              maxLength={63}
              placeholder="data-tools"
              className="font-mono"
              value={slug}
              onChange={(event) => {
                setSlug(event.target.value);
                setIsSlugEdited(true);
              }}
              {...describedBy(`${formId}-slug`, true, slugError)}
            />
          </Field>
          <Field id={`${formId}-description`} label="Description" optional error={descriptionError}>
            <Textarea
              id={`${formId}-description`}
              rows={2}
              maxLength={500}
              placeholder="Who it is for and why"
              value={description}
              onChange={(event) => setDescription(event.target.value)}
              {...describedBy(`${formId}-description`, false, descriptionError)}
            />
          </Field>
          {otherError && <FormError>{otherError}</FormError>}
        </form>
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" form={formId} disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create registry"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
