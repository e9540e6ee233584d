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
import { FieldError, FormError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";

/** Name, description, and optionally the IdP group the team is synced from; opens the new team. */
export function CreateTeamDialog({
  variant = "default",
  label = "Create team",
  testId = "create-team-button",
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
  const [description, setDescription] = useState("");
  const [idpGroup, setIdpGroup] = useState("");

  const create = useMutation(
    trpc.teams.create.mutationOptions({
      onSuccess: (team) => {
        toast.success("Team created", {
          description:
            team.source === "IDP"
              ? `${team.name} fills with members of ${team.externalId} as they sign in.`
              : `Add members to ${team.name} next.`,
        });
        void queryClient.invalidateQueries({ queryKey: trpc.teams.list.pathKey() });
        setIsOpen(false);
        router.push(`/teams/${team.id}`);
      },
    }),
  );

  function onOpenChange(open: boolean) {
    if (create.isPending) return;
    setIsOpen(open);
    if (open) {
      setName("");
      setDescription("");
      setIdpGroup("");
      create.reset();
    }
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate({
      name: name.trim(),
      description: description.trim() || undefined,
      idpGroup: idpGroup.trim() || undefined,
    });
  }

  const nameError = fieldMessage(create.error, "name");
  const descriptionError = fieldMessage(create.error, "description");
  const groupError = fieldMessage(create.error, "idpGroup");
  const otherError =
    create.error && !nameError && !descriptionError && !groupError ? create.error.message : undefined;

  return (
    <Dialog open={isOpen} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button variant={variant} data-testid={testId}>
          <Plus aria-hidden="true" />
          {label}
        </Button>
      </DialogTrigger>
      <DialogContent data-testid="create-team-dialog">
        <DialogHeader>
          <DialogTitle>Create team</DialogTitle>
          <DialogDescription>
            A team is a group of people a registry can grant access to all at once.
          </DialogDescription>
        </DialogHeader>
        <form id={formId} onSubmit={submit} className="space-y-4">
          <div className="space-y-2">
            <Label htmlFor={`${formId}-name`}>Name</Label>
            <Input
              id={`${formId}-name`}
              required
              maxLength={100}
              placeholder="Platform engineering"
              value={name}
              onChange={(event) => setName(event.target.value)}
              aria-invalid={Boolean(nameError) || undefined}
              aria-describedby={nameError ? `${formId}-name-error` : undefined}
            />
            <FieldError id={`${formId}-name-error`}>{nameError}</FieldError>
          </div>
          <div className="space-y-2">
            <Label htmlFor={`${formId}-description`}>
              Description <span className="font-normal text-muted-foreground">(optional)</span>
            </Label>
            <Textarea
              id={`${formId}-description`}
              rows={2}
              maxLength={500}
              placeholder="Who is in it and what they work on"
              value={description}
              onChange={(event) => setDescription(event.target.value)}
              aria-invalid={Boolean(descriptionError) || undefined}
              aria-describedby={descriptionError ? `${formId}-description-error` : undefined}
            />
            <FieldError id={`${formId}-description-error`}>{descriptionError}</FieldError>
          </div>
          <div className="space-y-2">
            <Label htmlFor={`${formId}-group`}>
              Identity provider group <span className="font-normal text-muted-foreground">(optional)</span>
            </Label>
            <Input
              id={`${formId}-group`}
              maxLength={200}
              placeholder="engineering"
              className="font-mono"
              value={idpGroup}
              onChange={(event) => setIdpGroup(event.target.value)}
              aria-invalid={Boolean(groupError) || undefined}
              aria-describedby={`${formId}-group-hint${groupError ? ` ${formId}-group-error` : ""}`}
            />
            <p id={`${formId}-group-hint`} className="text-xs text-muted-foreground">
              A value of the groups claim your identity provider sends. If set, Gatehouse adds and removes
              members as they sign in, and membership cannot be edited here.
            </p>
            <FieldError id={`${formId}-group-error`}>{groupError}</FieldError>
          </div>
          {otherError && <FormError>{otherError}</FormError>}
        </form>
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" form={formId} disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create team"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
