"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Pencil, Plus, Terminal, Trash2 } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { toast } from "sonner";
import { useTRPC } from "@/components/providers/trpc-provider";
import { formatCommandLine } from "@/components/servers/command-template";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { describedBy, Field } from "@/components/ui/field";
import { FormError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { StdioNetworkNotice } from "./stdio-network-notice";

type Template = { id: string; label: string; command: string; args: string[] };
type Draft = { id: string; label: string; command: string; args: string; isIdEdited: boolean };
type TemplateErrors = Partial<Record<"id" | "label" | "command" | "args", string>>;

const FIELDS = ["id", "label", "command", "args"] as const;

/**
 * The service refuses a list with "<i>.<field>: message; …" (zod paths into the list). The messages about the
 * template being edited go next to its inputs; anything else stays a form-level message.
 */
export function templateErrors(message: string, index: number): { fields: TemplateErrors; other: string[] } {
  const fields: TemplateErrors = {};
  const other: string[] = [];
  for (const part of message.split("; ")) {
    const match = /^(?:templates\.)?(\d+)\.(id|label|command|args)(?:\.\d+)?: (.*)$/.exec(part);
    const field = match?.[2] as (typeof FIELDS)[number] | undefined;
    if (match && Number(match[1]) === index && field && !fields[field]) fields[field] = match[3];
    else other.push(part.replace(/^:\s*/, ""));
  }
  return { fields, other };
}

function suggestId(label: string): string {
  return label
    .toLowerCase()
    .replace(/\(.*?\)/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 32);
}

function toDraft(template: Template | null): Draft {
  return template
    ? { ...template, args: template.args.join(" "), isIdEdited: true }
    : { id: "", label: "", command: "", args: "{package}@{version}", isIdEdited: false };
}

/**
 * The allow-list of commands a stdio server may run: each template is an executable and its
 * arguments, with {package} and {version} filled in by the publisher. Admins with settings.manage
 * edit it; others with system.read see it.
 */
export function CommandTemplatesCard({ canManage }: { canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const templates = useQuery(trpc.settings.getCommandTemplates.queryOptions());
  const [editing, setEditing] = useState<{ index: number; template: Template | null } | null>(null);
  const [removing, setRemoving] = useState<Template | null>(null);

  const save = useMutation(
    trpc.settings.setCommandTemplates.mutationOptions({
      onSuccess: (result) => {
        queryClient.setQueryData(trpc.settings.getCommandTemplates.queryKey(), result);
        void queryClient.invalidateQueries({ queryKey: trpc.servers.commandTemplates.queryKey() });
      },
    }),
  );
  const current = templates.data?.templates ?? [];

  const remove = () => {
    if (!removing) return;
    save.mutate(
      { templates: current.filter((template) => template.id !== removing.id) },
      {
        onSuccess: () => {
          toast.success(`${removing.label} removed`);
          setRemoving(null);
        },
      },
    );
  };

  return (
    <Card data-testid="command-templates">
      <CardHeader className="pb-4">
        <div className="space-y-1">
          <CardTitle as="h2">stdio command templates</CardTitle>
          <CardDescription>
            The only commands a stdio server may run. Publishers pick one and fill in{" "}
            <code className="font-mono text-xs">{"{package}"}</code> and an exact{" "}
            <code className="font-mono text-xs">{"{version}"}</code>; Gatehouse passes each argument as is,
            never through a shell.
          </CardDescription>
        </div>
        {canManage && (
          <CardAction>
            <Button
              variant="outline"
              size="sm"
              onClick={() => {
                save.reset();
                setEditing({ index: current.length, template: null });
              }}
              disabled={!templates.data}
              data-testid="add-template"
            >
              <Plus aria-hidden="true" />
              Add template
            </Button>
          </CardAction>
        )}
      </CardHeader>
      <div className="space-y-4 border-t px-5 py-5">
        <StdioNetworkNotice />
        {templates.isPending ? (
          <Skeleton className="h-20 w-full" />
        ) : templates.isError && !templates.data ? (
          <ErrorState
            title="Couldn't load the command templates"
            message={templates.error.message}
            onRetry={() => void templates.refetch()}
            isRetrying={templates.isFetching}
          />
        ) : current.length === 0 ? (
          <EmptyState
            className="py-6"
            icon={Terminal}
            title="No commands allowed"
            description="Nobody can publish a stdio server until a template is added. Remote servers are not affected."
          />
        ) : (
          <ul className="divide-y rounded-lg border">
            {current.map((template, index) => (
              <li
                key={template.id}
                className="flex flex-col gap-2 px-3 py-2.5 sm:flex-row sm:items-center"
                data-testid="command-template"
                data-id={template.id}
              >
                <div className="min-w-0 flex-1 space-y-1">
                  <p className="text-sm font-medium">
                    {template.label}{" "}
                    <span className="font-mono text-xs font-normal text-muted-foreground">{template.id}</span>
                  </p>
                  <code className="block break-all font-mono text-xs text-muted-foreground">
                    {formatCommandLine(template.command, template.args)}
                  </code>
                </div>
                {canManage && (
                  <div className="flex shrink-0 gap-1">
                    <Button
                      variant="ghost"
                      size="icon-sm"
                      aria-label={`Edit ${template.label}`}
                      onClick={() => {
                        save.reset();
                        setEditing({ index, template });
                      }}
                    >
                      <Pencil aria-hidden="true" />
                    </Button>
                    <Button
                      variant="ghost"
                      size="icon-sm"
                      aria-label={`Remove ${template.label}`}
                      onClick={() => {
                        save.reset();
                        setRemoving(template);
                      }}
                    >
                      <Trash2 aria-hidden="true" />
                    </Button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
      </div>
      {canManage && (
        <TemplateDialog
          editing={editing}
          current={current}
          isPending={save.isPending}
          error={save.error}
          onCancel={() => setEditing(null)}
          onSave={(templatesToSave, label) =>
            save.mutate(
              { templates: templatesToSave },
              {
                onSuccess: () => {
                  toast.success(`${label} saved`);
                  setEditing(null);
                },
              },
            )
          }
        />
      )}
      <ConfirmDialog
        open={removing !== null}
        onOpenChange={(open) => !open && setRemoving(null)}
        title={`Remove ${removing?.label ?? "this template"}?`}
        description="Publishers can no longer choose it for new stdio servers or versions, and saving a version that uses it is refused."
        confirmLabel="Remove template"
        pendingLabel="Removing…"
        isDestructive
        isPending={save.isPending}
        onConfirm={remove}
      >
        {save.error && removing && <FormError>{save.error.message}</FormError>}
      </ConfirmDialog>
    </Card>
  );
}

function TemplateDialog({
  editing,
  current,
  isPending,
  error,
  onCancel,
  onSave,
}: {
  editing: { index: number; template: Template | null } | null;
  current: Template[];
  isPending: boolean;
  error: { message: string } | null;
  onCancel: () => void;
  onSave: (templates: Template[], label: string) => void;
}) {
  return (
    <Dialog open={editing !== null} onOpenChange={(open) => !open && !isPending && onCancel()}>
      {editing && (
        <DialogContent data-testid="template-dialog">
          <TemplateForm
            key={editing.template?.id ?? "new"}
            editing={editing}
            current={current}
            isPending={isPending}
            error={error}
            onCancel={onCancel}
            onSave={onSave}
          />
        </DialogContent>
      )}
    </Dialog>
  );
}

function TemplateForm({
  editing,
  current,
  isPending,
  error,
  onCancel,
  onSave,
}: {
  editing: { index: number; template: Template | null };
  current: Template[];
  isPending: boolean;
  error: { message: string } | null;
  onCancel: () => void;
  onSave: (templates: Template[], label: string) => void;
}) {
  const formId = useId();
  const [draft, setDraft] = useState<Draft>(() => toDraft(editing.template));
  const [localErrors, setLocalErrors] = useState<TemplateErrors>({});
  const server = error ? templateErrors(error.message, editing.index) : { fields: {}, other: [] };
  const errors: TemplateErrors = { ...server.fields, ...localErrors };
  const args = draft.args.split(/\s+/).filter(Boolean);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const local: TemplateErrors = {};
    if (!draft.label.trim()) local.label = "Enter a label.";
    if (!draft.id.trim()) local.id = "Enter an id.";
    if (!draft.command.trim()) local.command = "Enter the executable, e.g. npx.";
    if (!args.some((arg) => arg.includes("{package}"))) local.args = "Use {package} in one of the arguments.";
    const clash = current.some(
      (template, index) => index !== editing.index && template.id === draft.id.trim(),
    );
    if (clash) local.id = "Another template already has this id.";
    setLocalErrors(local);
    if (Object.keys(local).length > 0) return;
    const template: Template = {
      id: draft.id.trim(),
      label: draft.label.trim(),
      command: draft.command.trim(),
      args,
    };
    const next = [...current];
    next[editing.index] = template;
    onSave(next, template.label);
  };

  const field = (name: keyof TemplateErrors) => ({
    id: `${formId}-${name}`,
    ...describedBy(`${formId}-${name}`, true, errors[name]),
  });

  return (
    <>
      <DialogHeader>
        <DialogTitle>
          {editing.template ? `Edit ${editing.template.label}` : "Add a command template"}
        </DialogTitle>
        <DialogDescription>
          A bare executable (no path, no shell syntax) and its arguments, separated by spaces. Write{" "}
          <code className="font-mono text-xs">{"{package}"}</code> where the package name goes and{" "}
          <code className="font-mono text-xs">{"{version}"}</code> where its exact version goes.
        </DialogDescription>
      </DialogHeader>
      <form id={formId} onSubmit={submit} noValidate className="space-y-4">
        <div className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_10rem]">
          <Field
            id={`${formId}-label`}
            label="Label"
            hint="What publishers choose from."
            error={errors.label}
          >
            <Input
              {...field("label")}
              value={draft.label}
              maxLength={100}
              placeholder="npm package (npx)"
              onChange={(event) => {
                const label = event.target.value;
                setDraft((d) => (d.isIdEdited ? { ...d, label } : { ...d, label, id: suggestId(label) }));
              }}
            />
          </Field>
          <Field id={`${formId}-id`} label="Id" hint="Lowercase, unique." error={errors.id}>
            <Input
              {...field("id")}
              value={draft.id}
              maxLength={32}
              placeholder="npx"
              className="font-mono"
              onChange={(event) => setDraft((d) => ({ ...d, id: event.target.value, isIdEdited: true }))}
            />
          </Field>
        </div>
        <div className="grid gap-4 sm:grid-cols-[10rem_minmax(0,1fr)]">
          <Field
            id={`${formId}-command`}
            label="Command"
            hint="Found on the gateway's PATH."
            error={errors.command}
          >
            <Input
              {...field("command")}
              value={draft.command}
              maxLength={200}
              placeholder="npx"
              className="font-mono"
              spellCheck={false}
              onChange={(event) => setDraft((d) => ({ ...d, command: event.target.value }))}
            />
          </Field>
          <Field
            id={`${formId}-args`}
            label="Arguments"
            hint={
              <>
                Runs as{" "}
                <code className="font-mono">
                  {formatCommandLine(draft.command.trim() || "command", args)}
                </code>
              </>
            }
            error={errors.args}
          >
            <Input
              {...field("args")}
              value={draft.args}
              placeholder="-y {package}@{version}"
              className="font-mono"
              spellCheck={false}
              onChange={(event) => setDraft((d) => ({ ...d, args: event.target.value }))}
            />
          </Field>
        </div>
        {server.other.length > 0 && <FormError>{server.other.join(" ")}</FormError>}
      </form>
      <DialogFooter>
        <Button variant="outline" onClick={onCancel} disabled={isPending}>
          Cancel
        </Button>
        <Button type="submit" form={formId} disabled={isPending} data-testid="save-template">
          {isPending ? "Saving…" : "Save template"}
        </Button>
      </DialogFooter>
    </>
  );
}
