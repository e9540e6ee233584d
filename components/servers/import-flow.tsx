"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { FileJson, FileUp, Globe, Link2, Lock, ScanSearch, TriangleAlert, XCircle } from "lucide-react";
import { useRouter } from "next/navigation";
import { type ChangeEvent, type FormEvent, useId, useRef, useState } from "react";
import { toast } from "sonner";
import { TRANSPORT_LABELS } from "@/app/(dashboard)/catalog/_components/labels";
import { pluralize } from "@/components/lib/format";
import type { RouterOutputs } from "@/components/lib/router-types";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Markdown } from "@/components/ui/markdown";
import { SafeLink } from "@/components/ui/safe-link";
import { ServerIcon } from "@/components/ui/server-icon";
import { Textarea } from "@/components/ui/textarea";
import { formatCommandLine } from "./command-template";
import { ChoiceCards, FormSection } from "./form-parts";
import type { ServerScope } from "./labels";

type Preview = RouterOutputs["servers"]["previewImport"];
type ImportedServer = Extract<Preview, { ok: true }>["server"];

const MAX_FILE_BYTES = 256 * 1024;

const EXAMPLE = `{
  "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
  "name": "io.github.acme/weather",
  "description": "Forecasts for any city",
  "version": "1.0.0",
  "remotes": [{ "type": "streamable-http", "url": "https://mcp.acme.example/mcp" }]
}`;

/**
 * Importing an MCP Registry server.json: paste it, upload it or give its URL; preview what would
 * be created (warnings, one variant per remote or package); then create a draft.
 */
export function ImportFlow({ canSubmitShared, isAdmin }: { canSubmitShared: boolean; isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const formId = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const [source, setSource] = useState<"paste" | "url">("paste");
  const [document, setDocument] = useState("");
  const [url, setUrl] = useState("");
  const [fileError, setFileError] = useState<string | undefined>();
  const [variantIndex, setVariantIndex] = useState(0);
  const [scope, setScope] = useState<ServerScope>("PERSONAL");
  /** the exact input the preview was made from, so import sends the same */
  const [previewed, setPreviewed] = useState<{ document: string } | { url: string } | null>(null);

  const preview = useMutation(
    trpc.servers.previewImport.mutationOptions({
      onSuccess: (_result, variables) => {
        setPreviewed(variables);
        setVariantIndex(0);
      },
    }),
  );
  const importServer = useMutation(
    trpc.servers.import.mutationOptions({
      onSuccess: (server) => {
        toast.success(`${server.name} imported as a draft`, {
          description: "Review its definition, then publish it when it's ready.",
        });
        queryClient.setQueryData(trpc.servers.get.queryKey({ serverId: server.id }), server);
        void queryClient.invalidateQueries({ queryKey: trpc.servers.list.pathKey() });
        router.push(`/servers/${server.id}`);
      },
    }),
  );

  const resetPreview = () => {
    preview.reset();
    importServer.reset();
    setPreviewed(null);
  };

  const onPreview = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    importServer.reset();
    if (source === "paste") preview.mutate({ document });
    else preview.mutate({ url: url.trim() });
  };

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      setFileError("That file is larger than 256 KiB; a server.json is much smaller.");
      return;
    }
    setFileError(undefined);
    setDocument(await file.text());
    resetPreview();
  };

  const result = preview.data;
  const canPreview = source === "paste" ? document.trim() !== "" : url.trim() !== "";

  return (
    <div className="space-y-6">
      <FormSection
        step={1}
        title="The server.json"
        description="An MCP Registry server.json (schema 2025-12-11) describing remotes and packages."
        testId="import-source"
      >
        <form id={formId} onSubmit={onPreview} className="space-y-4" noValidate>
          <ChoiceCards
            name={`${formId}-source`}
            legend="Where the server.json comes from"
            value={source}
            onChange={(next) => {
              setSource(next);
              resetPreview();
            }}
            columns={2}
            choices={[
              {
                value: "paste",
                label: "Paste or upload",
                icon: <FileJson className="size-4 text-muted-foreground" aria-hidden="true" />,
                description: "Paste the document's text, or load it from a file.",
              },
              {
                value: "url",
                label: "From a URL",
                icon: <Link2 className="size-4 text-muted-foreground" aria-hidden="true" />,
                description: "Gatehouse fetches it (public addresses only, up to 256 KiB).",
              },
            ]}
          />
          {source === "paste" ? (
            <div className="space-y-2">
              <div className="flex items-end justify-between gap-3">
                <label htmlFor={`${formId}-document`} className="text-sm font-medium">
                  server.json
                </label>
                <Button variant="outline" size="sm" onClick={() => fileRef.current?.click()}>
                  <FileUp aria-hidden="true" />
                  Load a file
                </Button>
                <input
                  ref={fileRef}
                  type="file"
                  accept=".json,application/json"
                  className="sr-only"
                  tabIndex={-1}
                  aria-hidden="true"
                  onChange={(event) => void onFile(event)}
                />
              </div>
              <Textarea
                id={`${formId}-document`}
                value={document}
                onChange={(event) => {
                  setDocument(event.target.value);
                  if (previewed) resetPreview();
                }}
                rows={12}
                spellCheck={false}
                placeholder={EXAMPLE}
                className="font-mono text-xs"
                data-testid="import-document"
              />
              {fileError && <FormError>{fileError}</FormError>}
            </div>
          ) : (
            <div className="space-y-2">
              <label htmlFor={`${formId}-url`} className="text-sm font-medium">
                URL of the server.json
              </label>
              <Input
                id={`${formId}-url`}
                value={url}
                onChange={(event) => {
                  setUrl(event.target.value);
                  if (previewed) resetPreview();
                }}
                inputMode="url"
                placeholder="https://raw.githubusercontent.com/acme/weather-mcp/main/server.json"
                className="font-mono"
                spellCheck={false}
              />
            </div>
          )}
          <div className="flex justify-end">
            <Button type="submit" disabled={!canPreview || preview.isPending} data-testid="preview-import">
              <ScanSearch aria-hidden="true" />
              {preview.isPending ? "Reading…" : "Preview"}
            </Button>
          </div>
          {preview.error && <FormError>{preview.error.message}</FormError>}
        </form>
      </FormSection>

      {result && !result.ok && (
        <div
          role="alert"
          className="space-y-2 rounded-xl border border-destructive/30 bg-destructive/5 p-5"
          data-testid="import-errors"
        >
          <p className="flex items-center gap-2 text-sm font-medium">
            <XCircle className="size-4 text-destructive" aria-hidden="true" />
            This document can't be imported
          </p>
          <ul className="list-disc space-y-1 pl-10 text-sm text-muted-foreground">
            {result.errors.map((error) => (
              <li key={error} className="break-words">
                {error}
              </li>
            ))}
          </ul>
        </div>
      )}

      {result?.ok && previewed && (
        <PreviewSection
          server={result.server}
          suggestedSlug={result.suggestedSlug}
          alreadyImported={result.alreadyImported}
          variantIndex={variantIndex}
          onVariantChange={setVariantIndex}
          scope={scope}
          onScopeChange={setScope}
          canSubmitShared={canSubmitShared}
          isAdmin={isAdmin}
          isImporting={importServer.isPending}
          error={importServer.error}
          onImport={() => importServer.mutate({ ...previewed, variantIndex, scope })}
        />
      )}
    </div>
  );
}

function PreviewSection({
  server,
  suggestedSlug,
  alreadyImported,
  variantIndex,
  onVariantChange,
  scope,
  onScopeChange,
  canSubmitShared,
  isAdmin,
  isImporting,
  error,
  onImport,
}: {
  server: ImportedServer;
  suggestedSlug: string;
  alreadyImported: boolean;
  variantIndex: number;
  onVariantChange: (index: number) => void;
  scope: ServerScope;
  onScopeChange: (scope: ServerScope) => void;
  canSubmitShared: boolean;
  isAdmin: boolean;
  isImporting: boolean;
  error: { message: string } | null;
  onImport: () => void;
}) {
  const baseId = useId();
  const hasVariants = server.versions.length > 0;
  return (
    <FormSection
      step={2}
      title="Preview"
      description="What the import creates. Nothing is saved until you import it."
      testId="import-preview"
    >
      <div className="flex items-start gap-4">
        <ServerIcon name={server.name} iconUrl={server.iconUrl} size="lg" />
        <div className="min-w-0 space-y-1">
          <h3 className="break-words text-lg font-semibold" data-testid="import-name">
            {server.name}
          </h3>
          <p className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-muted-foreground">
            <span className="font-mono break-all">{server.registryName}</span>
            <span aria-hidden="true">·</span>
            <span className="font-mono">v{server.version}</span>
            <span aria-hidden="true">·</span>
            <span>
              slug <span className="font-mono">{suggestedSlug}</span>
            </span>
          </p>
          {(server.websiteUrl || server.repositoryUrl) && (
            <p className="flex flex-wrap gap-x-4 text-sm">
              {server.websiteUrl && <SafeLink href={server.websiteUrl} />}
              {server.repositoryUrl && <SafeLink href={server.repositoryUrl} />}
            </p>
          )}
        </div>
      </div>
      {server.description && (
        <div className="rounded-lg border bg-muted/20 px-4 py-3">
          <Markdown>{server.description}</Markdown>
        </div>
      )}
      {alreadyImported && (
        <p className="flex items-start gap-2 rounded-lg border border-warning/30 bg-warning/10 px-3 py-2 text-sm">
          <TriangleAlert className="mt-0.5 size-4 shrink-0 text-warning-foreground dark:text-warning" />A
          server named {server.registryName} is already in the catalog, so this import will be refused. Add a
          new version to the existing server instead.
        </p>
      )}
      {server.warnings.length > 0 && (
        <div
          className="space-y-1.5 rounded-lg border border-warning/30 bg-warning/10 px-4 py-3"
          data-testid="import-warnings"
        >
          <p className="flex items-center gap-2 text-sm font-medium">
            <TriangleAlert className="size-4 text-warning-foreground dark:text-warning" aria-hidden="true" />
            {pluralize(server.warnings.length, "part was", "parts were")} skipped
          </p>
          <ul className="list-disc space-y-0.5 pl-10 text-sm text-muted-foreground">
            {server.warnings.map((warning) => (
              <li key={warning} className="break-words">
                {warning}
              </li>
            ))}
          </ul>
        </div>
      )}
      {hasVariants ? (
        <fieldset className="space-y-2">
          <legend className="mb-2 text-sm font-medium">
            {server.versions.length === 1 ? "How it runs" : "Choose how it runs"}
          </legend>
          <div className="grid gap-3">
            {server.versions.map((variant, index) => {
              const id = `${baseId}-variant-${index}`;
              const isChecked = variantIndex === index;
              return (
                <label
                  // The preview's variants are fixed (never added, removed or reordered) and the
                  // server identifies the chosen one by this same index (`variantIndex`).
                  // biome-ignore lint/suspicious/noArrayIndexKey: the index is the variant's identity
                  key={index}
                  htmlFor={id}
                  className={cn(
                    "flex cursor-pointer items-start gap-3 rounded-lg border p-3.5 transition-colors has-focus-visible:ring-[3px] has-focus-visible:ring-ring/50",
                    isChecked ? "border-primary bg-primary/5" : "hover:bg-accent/50",
                  )}
                  data-testid="import-variant"
                >
                  <input
                    id={id}
                    type="radio"
                    name={`${baseId}-variant`}
                    checked={isChecked}
                    onChange={() => onVariantChange(index)}
                    className="mt-0.5 size-4 shrink-0 accent-primary"
                  />
                  <span className="min-w-0 flex-1 space-y-1.5">
                    <span className="flex flex-wrap items-center gap-2 text-sm font-medium">
                      {TRANSPORT_LABELS[variant.transport]}
                      <Badge variant="outline" className="font-normal">
                        {variant.configSchema.length === 0
                          ? "no configuration"
                          : pluralize(variant.configSchema.length, "configuration field")}
                      </Badge>
                    </span>
                    <code className="block break-all rounded-md bg-muted/60 px-2 py-1 font-mono text-xs">
                      {variant.transport === "STDIO"
                        ? formatCommandLine(variant.command ?? "", variant.args)
                        : variant.url}
                    </code>
                    {variant.configSchema.length > 0 && (
                      <span className="block text-xs text-muted-foreground">
                        {variant.configSchema
                          .map((field) => `${field.name}${field.secret ? " (secret)" : ""}`)
                          .join(", ")}
                      </span>
                    )}
                  </span>
                </label>
              );
            })}
          </div>
        </fieldset>
      ) : (
        <p className="text-sm text-destructive">
          This document has no remote or npm package Gatehouse can run, so there is nothing to import.
        </p>
      )}
      {hasVariants && (
        <div className="space-y-2">
          <p className="text-sm font-medium">Who can use it once published</p>
          <ChoiceCards
            name={`${baseId}-scope`}
            legend="Who can use it once published"
            value={scope}
            onChange={onScopeChange}
            columns={2}
            choices={[
              {
                value: "PERSONAL",
                label: "Personal",
                icon: <Lock className="size-4 text-muted-foreground" aria-hidden="true" />,
                description: "Only you, once you publish it.",
              },
              ...(canSubmitShared
                ? [
                    {
                      value: "SHARED" as const,
                      label: "Shared",
                      icon: <Globe className="size-4 text-muted-foreground" aria-hidden="true" />,
                      description: isAdmin
                        ? "Others too, through the registries that grant it."
                        : "Others too, through registries, after an admin approves it.",
                    },
                  ]
                : []),
            ]}
          />
        </div>
      )}
      {error && <FormError>{error.message}</FormError>}
      <div className="flex flex-col gap-3 border-t pt-4 sm:flex-row sm:items-center">
        <p className="text-xs text-muted-foreground sm:flex-1">
          Imports land as <strong className="font-medium text-foreground">drafts</strong>: nobody can use it
          until you check the definition, fill in any shared values and publish it
          {canSubmitShared && !isAdmin ? " (a shared server then goes to an admin for approval)" : ""}.
        </p>
        <Button onClick={onImport} disabled={!hasVariants || isImporting} data-testid="import-button">
          <FileJson aria-hidden="true" />
          {isImporting ? "Importing…" : "Import as draft"}
        </Button>
      </div>
    </FormSection>
  );
}
