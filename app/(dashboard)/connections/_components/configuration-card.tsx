"use client";

import { useMutation } from "@tanstack/react-query";
import { KeyRound, Pencil, Settings2 } from "lucide-react";
import { toast } from "sonner";
import { type ConfigurationField, ConfigurationForm } from "@/components/connections/configuration-form";
import type { RouterOutputs } from "@/components/lib/router-types";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";

type Detail = RouterOutputs["connections"]["get"];

function toFormField(field: Detail["fields"][number]): ConfigurationField {
  const { value, ...rest } = field;
  return field.secret
    ? { ...rest, isSet: (value as { set: boolean }).set }
    : { ...rest, stored: value as string | null };
}

function FieldValue({ field }: { field: Detail["fields"][number] }) {
  if (field.secret) {
    const isSet = (field.value as { set: boolean }).set;
    return isSet ? (
      <span className="inline-flex items-center gap-1.5">
        <KeyRound className="size-3.5 text-muted-foreground" aria-hidden="true" />
        <span className="font-mono tracking-widest text-muted-foreground" aria-hidden="true">
          ••••
        </span>
        set
      </span>
    ) : (
      <span className="text-muted-foreground">Not set</span>
    );
  }
  const value = field.value as string | null;
  if (value === null || value === "") {
    return field.default ? (
      <span className="text-muted-foreground">
        Default: <span className="font-mono text-foreground">{field.default}</span>
      </span>
    ) : (
      <span className="text-muted-foreground">Not set</span>
    );
  }
  return <span className="break-all font-mono text-xs">{value}</span>;
}

/** The connection's settings: read as a list, edited in place with the connect form. */
export function ConfigurationCard({
  detail,
  isEditing,
  onEditingChange,
  onSaved,
}: {
  detail: Detail;
  isEditing: boolean;
  onEditingChange: (editing: boolean) => void;
  onSaved: () => void;
}) {
  const trpc = useTRPC();
  const update = useMutation(
    trpc.connections.update.mutationOptions({
      onSuccess: (result) => {
        toast.success("Connection saved", {
          description:
            result.status === "CONFIGURED" ? undefined : "It still needs attention: see its status.",
        });
        onEditingChange(false);
        onSaved();
      },
    }),
  );
  const missing = new Set(detail.missingFields);

  return (
    <Card id="configuration" data-testid="connection-configuration" className="scroll-mt-20">
      <CardHeader className="pb-4">
        <div className="space-y-1">
          <CardTitle as="h2">Configuration</CardTitle>
          <CardDescription>
            {detail.fields.length > 0
              ? "Your settings for this server, used only by this connection. Secrets are never shown again."
              : "This server needs no settings from you. You can still rename the connection."}
          </CardDescription>
        </div>
        {!isEditing && (
          <CardAction>
            <Button
              variant="outline"
              size="sm"
              onClick={() => onEditingChange(true)}
              data-testid="edit-configuration"
            >
              <Pencil aria-hidden="true" />
              Edit
            </Button>
          </CardAction>
        )}
      </CardHeader>
      <CardContent className="border-t">
        {isEditing ? (
          <ConfigurationForm
            // A fresh form each time editing starts, from what is stored now.
            key={detail.version.id}
            mode="edit"
            fields={detail.fields.map(toFormField)}
            initialName={detail.name}
            isPending={update.isPending}
            error={update.error}
            submitLabel="Save"
            pendingLabel="Saving…"
            onCancel={() => {
              update.reset();
              onEditingChange(false);
            }}
            onSubmit={({ name, values, clearSecrets }) =>
              update.mutate({
                connectionId: detail.id,
                name: name || undefined,
                values,
                clearSecrets: clearSecrets.length > 0 ? clearSecrets : undefined,
              })
            }
            testId="edit-configuration-form"
          />
        ) : detail.fields.length === 0 ? (
          <div className="flex items-center gap-3 text-sm text-muted-foreground">
            <Settings2 className="size-4" aria-hidden="true" />
            Nothing to configure.
          </div>
        ) : (
          <dl className="divide-y" data-testid="configuration-values">
            {detail.fields.map((field) => (
              <div
                key={field.name}
                className="grid gap-1 py-3 first:pt-0 last:pb-0 sm:grid-cols-[14rem_minmax(0,1fr)] sm:gap-4"
                data-field={field.name}
              >
                <dt className="text-sm font-medium">
                  {field.label}
                  {missing.has(field.name) && (
                    <span className="ml-2 text-xs font-normal text-warning-foreground dark:text-warning">
                      required
                    </span>
                  )}
                </dt>
                <dd className="min-w-0 text-sm">
                  <FieldValue field={field} />
                </dd>
              </div>
            ))}
          </dl>
        )}
      </CardContent>
    </Card>
  );
}
