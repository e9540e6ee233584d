"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertTriangle, ArrowRight, CircleCheck, Plus } from "lucide-react";
import Link from "next/link";
import { type FormEvent, useId, useState } from "react";
import { toast } from "sonner";
import { fieldMessage } from "@/components/lib/errors";
import type { RouterInputs, RouterOutputs } from "@/components/lib/router-types";
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
import { Textarea } from "@/components/ui/textarea";
import { chosenTools, isChoiceValid, ScopePicker, type ScopeSelection } from "./scope-picker";

type IssueInput = RouterInputs["tokens"]["issue"];
type Issued = RouterOutputs["tokens"]["issue"];
type ScopeOptions = RouterOutputs["tokens"]["scopeOptions"];

type ExpiryValue = "7" | "30" | "90" | "365" | "date" | "never";
const EXPIRY_OPTIONS: { value: ExpiryValue; label: string }[] = [
  { value: "7", label: "7 days" },
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "365", label: "1 year" },
  { value: "date", label: "On a date…" },
  { value: "never", label: "Never" },
];

/** "YYYY-MM-DD" of the day after today, in the browser's time zone (the earliest date to pick). */
function tomorrow(): string {
  const date = new Date();
  date.setDate(date.getDate() + 1);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function expiryInput(value: ExpiryValue, date: string): IssueInput["expiry"] | null {
  if (value === "never") return { kind: "never" };
  if (value === "date") {
    // The end of the chosen day where the person is: "until the 3rd" includes the 3rd.
    const end = new Date(`${date}T23:59:59`);
    return Number.isNaN(end.getTime()) ? null : { kind: "date", date: end };
  }
  return { kind: "days", days: Number(value) as 7 | 30 | 90 | 365 };
}

function toolsOf(key: string, options: ScopeOptions | undefined) {
  const [kind, id] = key.split(":");
  for (const server of options?.servers ?? []) {
    if (kind === "server" && server.serverId === id) return server.tools;
    const connection = server.connections.find((c) => c.connectionId === id);
    if (kind === "connection" && connection) return connection.tools;
  }
  return null;
}

function scopesFrom(selection: ScopeSelection, options: ScopeOptions | undefined): IssueInput["scopes"] {
  return Object.entries(selection).map(([key, choice]) => {
    const [kind, id = ""] = key.split(":");
    const tools = chosenTools(choice, toolsOf(key, options));
    const target = kind === "connection" ? { connectionId: id } : { serverId: id };
    return tools === null ? target : { ...target, tools };
  });
}

/** After creation: the token, once, and how to use it. */
function TokenReveal({
  issued,
  options,
  onDone,
}: {
  issued: Issued;
  options: ScopeOptions | undefined;
  onDone: () => void;
}) {
  const connections = issued.scopes.flatMap((scope) => {
    if (!scope.connectionId) return [];
    for (const server of options?.servers ?? []) {
      const connection = server.connections.find((c) => c.connectionId === scope.connectionId);
      if (connection)
        return [{ id: connection.connectionId, name: connection.name, serverName: server.name }];
    }
    return [];
  });
  return (
    <div className="grid gap-5" data-testid="token-created">
      <DialogHeader>
        <DialogTitle className="flex items-center gap-2">
          <CircleCheck className="size-5 text-success" aria-hidden="true" />
          Copy your new token
        </DialogTitle>
        <DialogDescription>“{issued.name}” is ready to use.</DialogDescription>
      </DialogHeader>
      <div className="flex gap-2.5 rounded-lg border border-warning/40 bg-warning/10 p-3 text-sm" role="note">
        <AlertTriangle
          className="mt-0.5 size-4 shrink-0 text-warning-foreground dark:text-warning"
          aria-hidden="true"
        />
        <p>
          <strong className="font-semibold">You will not see this token again.</strong> Put it in your agent's
          configuration or a password manager now. If you lose it, revoke it and create a new one.
        </p>
      </div>
      <CopyField value={issued.token} label="API token" testId="new-token-value" isSecret />
      {issued.scopes.length === 0 && (
        <p className="text-sm text-muted-foreground">
          This token has an empty scope: it reaches no connection until you create one with a scope.
        </p>
      )}
      <div className="space-y-2.5 border-t pt-4">
        <h3 className="text-sm font-semibold">How to use it</h3>
        <p className="text-sm text-muted-foreground">
          Your MCP client sends the token with every request to your connection URL, in this header:
        </p>
        <pre className="overflow-x-auto rounded-md border bg-muted/50 px-3 py-2 font-mono text-xs">
          Authorization: Bearer {issued.token.slice(0, 16)}…
        </pre>
        <p className="text-sm text-muted-foreground">
          Ready-made setup for Claude Code, Cursor, VS Code and others is on each connection's page.
        </p>
        <ul className="space-y-1">
          {connections.map((connection) => (
            <li key={connection.id}>
              <Link
                href={`/connections/${connection.id}`}
                className="inline-flex items-center gap-1.5 text-sm font-medium text-primary underline-offset-4 hover:underline"
              >
                Set up {connection.name}
                {connection.serverName !== connection.name ? ` (${connection.serverName})` : ""}
                <ArrowRight className="size-3.5" aria-hidden="true" />
              </Link>
            </li>
          ))}
          {connections.length === 0 && (
            <li>
              <Link
                href="/connections"
                className="inline-flex items-center gap-1.5 text-sm font-medium text-primary underline-offset-4 hover:underline"
              >
                Go to your connections
                <ArrowRight className="size-3.5" aria-hidden="true" />
              </Link>
            </li>
          )}
        </ul>
      </div>
      <DialogFooter>
        <Button onClick={onDone} data-testid="token-created-done">
          I've copied it
        </Button>
      </DialogFooter>
    </div>
  );
}

/** "New token": name, scope, expiry and networks; then the one-time reveal of the token. */
export function NewTokenDialog({
  label = "New token",
  testId = "new-token-button",
}: {
  label?: string;
  testId?: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const formId = useId();
  const [isOpen, setIsOpen] = useState(false);
  const [name, setName] = useState("");
  const [selection, setSelection] = useState<ScopeSelection>({});
  const [expiry, setExpiry] = useState<ExpiryValue>("30");
  const [expiryDate, setExpiryDate] = useState("");
  const [ipText, setIpText] = useState("");
  const [issued, setIssued] = useState<Issued | null>(null);

  const options = useQuery({ ...trpc.tokens.scopeOptions.queryOptions(), enabled: isOpen });
  const issue = useMutation(
    trpc.tokens.issue.mutationOptions({
      // Once reset() lets go of it, the result (the token) leaves the mutation cache at once.
      gcTime: 0,
      onSuccess: (result) => {
        setIssued(result);
        toast.success("Token created", { description: "Copy it now: it is shown only once." });
        void queryClient.invalidateQueries({ queryKey: trpc.tokens.list.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.tokens.listAll.pathKey() });
      },
    }),
  );

  function reset() {
    setName("");
    setSelection({});
    setExpiry("30");
    setExpiryDate("");
    setIpText("");
    setIssued(null);
    issue.reset();
  }

  function onOpenChange(open: boolean) {
    if (issue.isPending) return;
    setIsOpen(open);
    // The token leaves memory when the dialog closes (our state and the mutation's cached result):
    // it is never shown again.
    if (!open) {
      setIssued(null);
      issue.reset();
    }
    if (open) reset();
  }

  const isSelectionValid = Object.entries(selection).every(([key, choice]) =>
    isChoiceValid(choice, toolsOf(key, options.data)),
  );
  const expiryValue = expiryInput(expiry, expiryDate);
  const isDateMissing = expiry === "date" && expiryValue === null;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!isSelectionValid || expiryValue === null) return;
    issue.mutate({
      name: name.trim(),
      scopes: scopesFrom(selection, options.data),
      expiry: expiryValue,
      ipAllowList: ipText.split(/[\s,]+/).filter(Boolean),
    });
  }

  const nameError = fieldMessage(issue.error, "name");
  const scopeError = fieldMessage(issue.error, "scopes");
  const expiryError = fieldMessage(issue.error, "expiry");
  const ipError = fieldMessage(issue.error, "ipAllowList");
  const otherError =
    issue.error && !nameError && !scopeError && !expiryError && !ipError ? issue.error.message : undefined;
  const selectedCount = Object.keys(selection).length;

  return (
    <Dialog open={isOpen} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button data-testid={testId}>
          <Plus aria-hidden="true" />
          {label}
        </Button>
      </DialogTrigger>
      <DialogContent
        className="max-w-2xl"
        data-testid="new-token-dialog"
        // Once the token is on screen, a stray click outside must not throw it away.
        onInteractOutside={(event) => issued && event.preventDefault()}
      >
        {issued ? (
          <TokenReveal issued={issued} options={options.data} onDone={() => onOpenChange(false)} />
        ) : (
          <>
            <DialogHeader>
              <DialogTitle>New API token</DialogTitle>
              <DialogDescription>
                Give each agent or machine its own token with only the access it needs.
              </DialogDescription>
            </DialogHeader>
            <form id={formId} onSubmit={submit} className="min-w-0 space-y-5">
              <div className="space-y-2">
                <Label htmlFor={`${formId}-name`}>Name</Label>
                <Input
                  id={`${formId}-name`}
                  required
                  maxLength={100}
                  placeholder="Claude Code on my laptop"
                  value={name}
                  onChange={(event) => setName(event.target.value)}
                  aria-invalid={Boolean(nameError) || undefined}
                  aria-describedby={nameError ? `${formId}-name-error` : undefined}
                />
                <FieldError id={`${formId}-name-error`}>{nameError}</FieldError>
              </div>

              <fieldset className="min-w-0 space-y-2">
                <legend className="text-sm font-medium leading-none">Access</legend>
                <p id={`${formId}-scope-hint`} className="pt-1 text-xs text-muted-foreground">
                  Choose the connections, or whole servers, this token may reach. Without a tool limit it may
                  call every tool you may call there.
                </p>
                <ScopePicker
                  options={options.data}
                  isLoading={options.isPending}
                  error={options.isError ? options.error.message : null}
                  onRetry={() => void options.refetch()}
                  selection={selection}
                  onChange={setSelection}
                  describedBy={`${formId}-scope-hint`}
                />
                {selectedCount === 0 && !options.isPending && (
                  <p
                    className="flex gap-1.5 text-xs text-warning-foreground dark:text-warning"
                    data-testid="empty-scope-warning"
                  >
                    <AlertTriangle className="mt-0.5 size-3.5 shrink-0" aria-hidden="true" />
                    Nothing selected: the token would reach nothing. Choose at least one connection or server.
                  </p>
                )}
                <FieldError id={`${formId}-scope-error`}>{scopeError}</FieldError>
              </fieldset>

              <div className="grid gap-5 sm:grid-cols-2">
                <div className="space-y-2">
                  <Label htmlFor={`${formId}-expiry`}>Expires after</Label>
                  <NativeSelect
                    id={`${formId}-expiry`}
                    value={expiry}
                    onChange={(event) => setExpiry(event.target.value as ExpiryValue)}
                    aria-invalid={Boolean(expiryError) || undefined}
                    aria-describedby={`${formId}-expiry-hint`}
                  >
                    {EXPIRY_OPTIONS.map((option) => (
                      <option key={option.value} value={option.value}>
                        {option.label}
                      </option>
                    ))}
                  </NativeSelect>
                  {expiry === "date" && (
                    <Input
                      type="date"
                      required
                      aria-label="Expiry date"
                      min={tomorrow()}
                      value={expiryDate}
                      onChange={(event) => setExpiryDate(event.target.value)}
                    />
                  )}
                  <p id={`${formId}-expiry-hint`} className="text-xs text-muted-foreground">
                    {expiry === "never" ? (
                      <span className="flex gap-1.5 text-warning-foreground dark:text-warning">
                        <AlertTriangle className="mt-0.5 size-3.5 shrink-0" aria-hidden="true" />A token that
                        never expires works until someone revokes it, even if it leaks.
                      </span>
                    ) : (
                      "After that, requests with it are refused."
                    )}
                  </p>
                  <FieldError id={`${formId}-expiry-error`}>{expiryError}</FieldError>
                </div>
                <div className="space-y-2">
                  <Label htmlFor={`${formId}-ips`}>
                    Allowed networks <span className="font-normal text-muted-foreground">(optional)</span>
                  </Label>
                  <Textarea
                    id={`${formId}-ips`}
                    rows={2}
                    className="font-mono text-xs"
                    placeholder={"203.0.113.7\n10.0.0.0/8"}
                    value={ipText}
                    onChange={(event) => setIpText(event.target.value)}
                    aria-invalid={Boolean(ipError) || undefined}
                    aria-describedby={`${formId}-ips-hint${ipError ? ` ${formId}-ips-error` : ""}`}
                  />
                  <p id={`${formId}-ips-hint`} className="text-xs text-muted-foreground">
                    IP addresses or CIDR ranges, one per line. Empty allows every address.
                  </p>
                  <FieldError id={`${formId}-ips-error`}>{ipError}</FieldError>
                </div>
              </div>
              {otherError && <FormError>{otherError}</FormError>}
            </form>
            <DialogFooter>
              {isDateMissing && (
                <p
                  id={`${formId}-submit-hint`}
                  className="text-xs text-muted-foreground sm:mr-auto sm:self-center"
                  data-testid="pick-date-hint"
                >
                  Pick an expiry date to create the token.
                </p>
              )}
              <Button variant="outline" onClick={() => onOpenChange(false)} disabled={issue.isPending}>
                Cancel
              </Button>
              <Button
                type="submit"
                form={formId}
                disabled={issue.isPending || !isSelectionValid || expiryValue === null}
                aria-describedby={isDateMissing ? `${formId}-submit-hint` : undefined}
                data-testid="create-token-submit"
              >
                {issue.isPending ? "Creating…" : "Create token"}
              </Button>
            </DialogFooter>
          </>
        )}
      </DialogContent>
    </Dialog>
  );
}
