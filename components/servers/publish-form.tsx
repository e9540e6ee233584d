"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Globe, Lock, Save, Send } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useId, useState } from "react";
import { toast } from "sonner";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { ErrorState } from "@/components/ui/error-state";
import { describedBy, Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { type DefinitionDraft, definitionInput, emptyDefinition } from "./definition-draft";
import { DefinitionSections } from "./definition-fields";
import { fieldErrorsOf, firstError } from "./field-errors";
import { FormErrorSummary } from "./form-error-summary";
import { ChoiceCards, FormSection } from "./form-parts";
import type { ManagedServer, ServerScope } from "./labels";
import { EMPTY_METADATA, type MetadataDraft, MetadataFields, metadataInput } from "./metadata-fields";

/** What publishing does for this person and scope, for the primary button and the line beside it. */
export function publishWording(scope: ServerScope, isAdmin: boolean, transport: string) {
  if (scope === "PERSONAL" && (isAdmin || transport !== "STDIO"))
    return {
      label: "Publish",
      note: "Personal servers are usable at once, by you alone. No approval needed.",
    };
  if (scope === "PERSONAL")
    return {
      label: "Submit for approval",
      note: "Gatehouse runs a stdio package only once an admin has approved it, personal or not; you'll be notified of the decision.",
    };
  if (isAdmin)
    return {
      label: "Publish",
      note: "As an admin you publish shared servers approved. Grant it through a registry so people can find it.",
    };
  return {
    label: "Submit for approval",
    note: "An admin reviews shared servers before anyone can use them; you'll be notified of the decision.",
  };
}

/** Toast after a create or submit, by where the server ended up. */
export function announce(server: ManagedServer) {
  if (server.status === "APPROVED") {
    toast.success(`${server.name} is published`, {
      description:
        server.scope === "PERSONAL"
          ? "It's in your catalog now; connect it from there."
          : "It's approved. Add it to a registry to grant it to people and teams.",
    });
  } else if (server.status === "PENDING_APPROVAL") {
    toast.success(`${server.name} was submitted for approval`, {
      description: "An admin will review it; you'll get a notification.",
    });
  } else {
    toast.success(`Draft of ${server.name} saved`, {
      description: "Nobody can use it until you publish it.",
    });
  }
}

function FormSkeleton() {
  return (
    <div className="space-y-6" aria-busy="true">
      <span className="sr-only" role="status">
        Loading the form…
      </span>
      {["a", "b", "c"].map((key) => (
        <div key={key} className="space-y-4 rounded-xl border p-5">
          <Skeleton className="h-4 w-32" />
          <Skeleton className="h-9 w-full" />
          <Skeleton className="h-24 w-full" />
        </div>
      ))}
    </div>
  );
}

/** The "Publish a server" form: basics, where it runs, configuration, who can use it, version. */
export function PublishForm({ canSubmitShared, isAdmin }: { canSubmitShared: boolean; isAdmin: boolean }) {
  const trpc = useTRPC();
  const templates = useQuery(trpc.servers.commandTemplates.queryOptions());
  if (templates.isPending) return <FormSkeleton />;
  if (templates.isError && !templates.data) {
    return (
      <ErrorState
        title="Couldn't load the form"
        message={templates.error.message}
        onRetry={() => void templates.refetch()}
        isRetrying={templates.isFetching}
      />
    );
  }
  return (
    <LoadedPublishForm
      templates={templates.data.templates}
      canSubmitShared={canSubmitShared}
      isAdmin={isAdmin}
    />
  );
}

function LoadedPublishForm({
  templates,
  canSubmitShared,
  isAdmin,
}: {
  templates: { id: string; label: string; command: string; args: string[] }[];
  canSubmitShared: boolean;
  isAdmin: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const formId = useId();
  const [metadata, setMetadata] = useState<MetadataDraft>(EMPTY_METADATA);
  const [definition, setDefinition] = useState<DefinitionDraft>(() => emptyDefinition(templates));
  const [scope, setScope] = useState<ServerScope>("PERSONAL");
  const [version, setVersion] = useState("1.0.0");
  const [intent, setIntent] = useState<"draft" | "publish">("publish");

  const create = useMutation(
    trpc.servers.create.mutationOptions({
      onSuccess: (server) => {
        announce(server);
        void queryClient.invalidateQueries({ queryKey: trpc.servers.list.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.catalog.pathKey() });
        queryClient.setQueryData(trpc.servers.get.queryKey({ serverId: server.id }), server);
        router.push(`/servers/${server.id}`);
      },
    }),
  );
  const errors = fieldErrorsOf(create.error);
  const wording = publishWording(scope, isAdmin, definition.transport);

  const submit = (chosen: "draft" | "publish") => {
    setIntent(chosen);
    create.mutate({
      intent: chosen,
      scope,
      metadata: metadataInput(metadata),
      version: version.trim(),
      definition: definitionInput(definition, templates),
    });
  };
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    submit("publish");
  };

  return (
    <form id={formId} onSubmit={onSubmit} noValidate className="space-y-6" data-testid="publish-form">
      <FormErrorSummary error={create.error} />
      <FormSection
        step={1}
        title="Basics"
        description="How the server appears in the catalog."
        testId="section-basics"
      >
        <MetadataFields idPrefix={`${formId}-meta`} value={metadata} onChange={setMetadata} errors={errors} />
      </FormSection>
      <DefinitionSections
        idPrefix={`${formId}-def`}
        value={definition}
        onChange={setDefinition}
        templates={templates}
        errors={errors}
        firstStep={2}
      />
      <FormSection
        step={4}
        title="Who can use it"
        description="A server is reachable only by the people it's meant for."
        testId="section-scope"
      >
        <ChoiceCards
          name={`${formId}-scope`}
          legend="Who can use it"
          value={scope}
          onChange={setScope}
          columns={2}
          choices={[
            {
              value: "PERSONAL",
              label: "Personal",
              icon: <Lock className="size-4 text-muted-foreground" aria-hidden="true" />,
              description: "Only you see it in your catalog and can connect it. No approval needed.",
            },
            ...(canSubmitShared
              ? [
                  {
                    value: "SHARED" as const,
                    label: "Shared",
                    icon: <Globe className="size-4 text-muted-foreground" aria-hidden="true" />,
                    description: isAdmin
                      ? "For other people too, once a registry grants it to them. As an admin, yours is approved at once."
                      : "For other people too, once a registry grants it to them. An admin approves it first.",
                  },
                ]
              : []),
          ]}
        />
        {!canSubmitShared && (
          <p className="text-xs text-muted-foreground">
            Sharing servers with others needs the Power user+ role. Ask an admin if your team needs this one.
          </p>
        )}
      </FormSection>
      <FormSection
        step={5}
        title="Version"
        description="A label for this definition. Later changes become new versions, each reviewed on its own."
        testId="section-version"
      >
        <Field
          id={`${formId}-version`}
          label="Version"
          hint="For example 1.0.0 or 2025-06-01."
          error={firstError(errors, "version")}
          className="max-w-56"
        >
          <Input
            id={`${formId}-version`}
            value={version}
            onChange={(event) => setVersion(event.target.value)}
            className="font-mono"
            maxLength={100}
            spellCheck={false}
            autoComplete="off"
            {...describedBy(`${formId}-version`, true, firstError(errors, "version"))}
          />
        </Field>
      </FormSection>

      <div className="sticky bottom-0 z-10 -mx-4 border-t bg-background/90 px-4 py-3 backdrop-blur supports-backdrop-filter:bg-background/75 sm:mx-0 sm:rounded-xl sm:border sm:px-5">
        <div className="flex flex-col gap-3 sm:flex-row sm:items-center">
          <p className="text-xs text-muted-foreground sm:flex-1" data-testid="publish-note">
            {wording.note}
          </p>
          <div className="flex flex-wrap gap-2 sm:justify-end">
            <Button variant="ghost" asChild>
              <Link href="/servers">Cancel</Link>
            </Button>
            <Button
              variant="outline"
              onClick={() => submit("draft")}
              disabled={create.isPending}
              data-testid="save-draft"
            >
              <Save aria-hidden="true" />
              {create.isPending && intent === "draft" ? "Saving…" : "Save draft"}
            </Button>
            <Button type="submit" disabled={create.isPending} data-testid="publish-button">
              <Send aria-hidden="true" />
              {create.isPending && intent === "publish" ? `${wording.label}…` : wording.label}
            </Button>
          </div>
        </div>
      </div>
    </form>
  );
}
