"use client";

import { Cloud, Package, Plus, Radio, SlidersHorizontal, Trash2, TriangleAlert } from "lucide-react";
import { useId } from "react";
import { cn } from "@/components/lib/utils";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { describedBy, Field } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Switch } from "@/components/ui/switch";
import { formatCommandLine } from "./command-template";
import {
  type DefinitionDraft,
  draftCommand,
  type FieldDraft,
  newField,
  withTransport,
} from "./definition-draft";
import { type FieldErrors, firstError } from "./field-errors";
import { ChoiceCards, FormSection } from "./form-parts";
import {
  type CommandTemplate,
  type ConfigTarget,
  isRemote,
  TARGET_LABELS,
  TRANSPORT_OPTIONS,
  targetsFor,
} from "./labels";

const TRANSPORT_ICONS = {
  STREAMABLE_HTTP: <Cloud className="size-4 text-muted-foreground" aria-hidden="true" />,
  SSE: <Radio className="size-4 text-muted-foreground" aria-hidden="true" />,
  STDIO: <Package className="size-4 text-muted-foreground" aria-hidden="true" />,
} as const;

const NAME_PLACEHOLDERS: Record<ConfigTarget, string> = {
  header: "X-Api-Key",
  "url-variable": "region",
  env: "API_KEY",
  argument: "--root",
};

const NAME_HINTS: Record<ConfigTarget, (name: string) => string> = {
  header: () => "Sent as this HTTP header on every request to the server.",
  "url-variable": (name) => `Write {${name || "name"}} in the URL where the value goes.`,
  env: () => "Set as this environment variable of the process (upper case, e.g. API_KEY).",
  argument: (name) =>
    name.startsWith("-")
      ? `Passed as ${name} <value>.`
      : "Passed as a positional argument (or name it --flag).",
};

/**
 * The two parts of a version's definition in the publish form and the version dialogs: where the
 * server runs (remote URL or stdio package) and the configuration it takes.
 */
export function DefinitionSections({
  idPrefix,
  value,
  onChange,
  templates,
  errors,
  firstStep,
}: {
  idPrefix: string;
  value: DefinitionDraft;
  onChange: (next: DefinitionDraft) => void;
  templates: readonly CommandTemplate[];
  errors: FieldErrors;
  /** numbering of the sections in a long form; omitted in dialogs */
  firstStep?: number;
}) {
  return (
    <>
      <FormSection
        step={firstStep}
        title="Where it runs"
        description="How Gatehouse reaches the server. Agents always connect to Gatehouse; Gatehouse connects here."
        testId="section-transport"
      >
        <TransportFields
          idPrefix={idPrefix}
          value={value}
          onChange={onChange}
          templates={templates}
          errors={errors}
        />
      </FormSection>
      <FormSection
        step={firstStep === undefined ? undefined : firstStep + 1}
        title="Configuration"
        description={
          isRemote(value.transport)
            ? "Headers and URL variables the server needs: API keys, a tenant, a region. Each user fills in theirs when connecting, or you set one value for everyone."
            : "Environment variables and arguments the process needs. Each user fills in theirs when connecting, or you set one value for everyone."
        }
        testId="section-configuration"
      >
        <ConfigFieldsEditor idPrefix={idPrefix} value={value} onChange={onChange} errors={errors} />
      </FormSection>
    </>
  );
}

function TransportFields({
  idPrefix,
  value,
  onChange,
  templates,
  errors,
}: {
  idPrefix: string;
  value: DefinitionDraft;
  onChange: (next: DefinitionDraft) => void;
  templates: readonly CommandTemplate[];
  errors: FieldErrors;
}) {
  const set = (patch: Partial<DefinitionDraft>) => onChange({ ...value, ...patch });
  const id = (name: string) => `${idPrefix}-${name}`;
  const command = value.transport === "STDIO" ? draftCommand(value, templates) : null;
  const urlError = firstError(errors, "url");
  const commandError = firstError(errors, "command") ?? firstError(errors, "args");
  const template = templates.find((candidate) => candidate.id === value.templateId);
  const usesVersion = template ? template.args.some((arg) => arg.includes("{version}")) : true;

  return (
    <>
      <ChoiceCards
        name={id("transport")}
        legend="Transport"
        value={value.transport}
        onChange={(transport) => onChange(withTransport(value, transport))}
        columns={3}
        error={firstError(errors, "transport")}
        choices={TRANSPORT_OPTIONS.map((option) => ({
          ...option,
          icon: TRANSPORT_ICONS[option.value],
        }))}
      />
      {isRemote(value.transport) ? (
        <Field
          id={id("url")}
          label="Server URL"
          hint={
            value.transport === "SSE"
              ? "The server's SSE endpoint, e.g. https://mcp.example.com/sse. Checked now and at every connection: private and internal addresses are refused unless an admin allowed the host."
              : "The server's MCP endpoint, e.g. https://mcp.example.com/mcp. Checked now and at every connection: private and internal addresses are refused unless an admin allowed the host."
          }
          error={urlError}
        >
          <Input
            id={id("url")}
            value={value.url}
            onChange={(event) => set({ url: event.target.value })}
            placeholder={
              value.transport === "SSE" ? "https://mcp.example.com/sse" : "https://mcp.example.com/mcp"
            }
            inputMode="url"
            spellCheck={false}
            autoComplete="off"
            className="font-mono"
            maxLength={2048}
            {...describedBy(id("url"), true, urlError)}
          />
        </Field>
      ) : templates.length === 0 ? (
        <div
          className="flex items-start gap-3 rounded-lg border border-warning/30 bg-warning/10 p-4 text-sm"
          role="alert"
        >
          <TriangleAlert className="mt-0.5 size-4 shrink-0 text-warning-foreground dark:text-warning" />
          <p>
            No stdio commands are allowed on this Gatehouse yet. An admin adds command templates (such as{" "}
            <code className="font-mono text-xs">npx -y {"{package}@{version}"}</code>) under Settings; until
            then, publish a remote server instead.
          </p>
        </div>
      ) : (
        <div className="space-y-5">
          {value.unmatchedCommand ? (
            <div className="space-y-2 rounded-lg border border-warning/30 bg-warning/10 p-4 text-sm">
              <p>
                This version's command no longer matches an allowed template, so it can't be saved as is.
                Choose a template to replace it.
              </p>
              <code className="block break-all font-mono text-xs">
                {formatCommandLine(value.unmatchedCommand.command, value.unmatchedCommand.args)}
              </code>
              <Button variant="outline" size="sm" onClick={() => set({ unmatchedCommand: null })}>
                Use a template
              </Button>
            </div>
          ) : (
            <>
              <div className="grid gap-5 sm:grid-cols-[minmax(0,14rem)_minmax(0,1fr)_minmax(0,10rem)]">
                <Field id={id("template")} label="Command">
                  <NativeSelect
                    id={id("template")}
                    value={value.templateId}
                    onChange={(event) => set({ templateId: event.target.value })}
                  >
                    {templates.map((candidate) => (
                      <option key={candidate.id} value={candidate.id}>
                        {candidate.label}
                      </option>
                    ))}
                  </NativeSelect>
                </Field>
                <Field id={id("package")} label="Package">
                  <Input
                    id={id("package")}
                    value={value.packageName}
                    onChange={(event) => set({ packageName: event.target.value })}
                    placeholder="@modelcontextprotocol/server-memory"
                    spellCheck={false}
                    autoComplete="off"
                    className="font-mono"
                    maxLength={214}
                    aria-invalid={commandError ? true : undefined}
                  />
                </Field>
                {usesVersion && (
                  <Field id={id("package-version")} label="Exact version">
                    <Input
                      id={id("package-version")}
                      value={value.packageVersion}
                      onChange={(event) => set({ packageVersion: event.target.value })}
                      placeholder="1.2.3"
                      spellCheck={false}
                      autoComplete="off"
                      className="font-mono"
                      maxLength={100}
                      aria-invalid={commandError ? true : undefined}
                    />
                  </Field>
                )}
              </div>
              <ExtraArgs idPrefix={idPrefix} value={value} onChange={onChange} />
            </>
          )}
          <div className="space-y-1.5">
            <p className="text-xs font-medium text-muted-foreground">Gatehouse will run</p>
            <code
              className="block break-all rounded-md border bg-muted/50 px-3 py-2 font-mono text-xs"
              data-testid="command-preview"
            >
              {command ? formatCommandLine(command.command, command.args) : "Choose a command"}
            </code>
            <p className="text-xs text-muted-foreground">
              No shell is involved: each argument is passed as is. Pin an exact version so what was reviewed
              is what runs.
            </p>
            <FieldError id={id("command-error")}>{commandError}</FieldError>
          </div>
        </div>
      )}
    </>
  );
}

function ExtraArgs({
  idPrefix,
  value,
  onChange,
}: {
  idPrefix: string;
  value: DefinitionDraft;
  onChange: (next: DefinitionDraft) => void;
}) {
  const setArgs = (extraArgs: string[]) => onChange({ ...value, extraArgs });
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium">
        Further arguments <span className="font-normal text-muted-foreground">(optional)</span>
      </legend>
      <p className="text-xs text-muted-foreground">
        Fixed arguments after the package, one per row (for example{" "}
        <code className="font-mono">--read-only</code>
        ). Values users supply belong in configuration fields below.
      </p>
      {value.extraArgs.length > 0 && (
        <ol className="space-y-2">
          {value.extraArgs.map((arg, index) => (
            // An argument is only its text at its position (two rows may hold the same text), and
            // the inputs are controlled, so a removed row cannot leave a stale value behind.
            // biome-ignore lint/suspicious/noArrayIndexKey: argv position is the row's identity
            <li key={index} className="flex items-center gap-2">
              <span className="w-5 shrink-0 text-right text-xs text-muted-foreground tabular-nums">
                {index + 1}
              </span>
              <Input
                value={arg}
                onChange={(event) =>
                  setArgs(value.extraArgs.map((current, i) => (i === index ? event.target.value : current)))
                }
                aria-label={`Argument ${index + 1}`}
                id={`${idPrefix}-arg-${index}`}
                className="font-mono"
                spellCheck={false}
                maxLength={1000}
              />
              <Button
                variant="ghost"
                size="icon-sm"
                aria-label={`Remove argument ${index + 1}`}
                onClick={() => setArgs(value.extraArgs.filter((_, i) => i !== index))}
              >
                <Trash2 aria-hidden="true" />
              </Button>
            </li>
          ))}
        </ol>
      )}
      <Button variant="outline" size="sm" onClick={() => setArgs([...value.extraArgs, ""])}>
        <Plus aria-hidden="true" />
        Add argument
      </Button>
    </fieldset>
  );
}

function ConfigFieldsEditor({
  idPrefix,
  value,
  onChange,
  errors,
}: {
  idPrefix: string;
  value: DefinitionDraft;
  onChange: (next: DefinitionDraft) => void;
  errors: FieldErrors;
}) {
  const setFields = (fields: FieldDraft[]) => onChange({ ...value, fields });
  const add = () => setFields([...value.fields, newField(value.transport)]);
  return (
    <div className="space-y-4" data-testid="config-fields">
      {value.fields.length === 0 ? (
        <EmptyState
          className="rounded-lg border border-dashed py-8"
          icon={SlidersHorizontal}
          title="No configuration"
          description="The server works without anything from its users. Add a field for an API key, a header or a setting it needs."
          action={
            <Button variant="outline" size="sm" onClick={add} data-testid="add-config-field">
              <Plus aria-hidden="true" />
              Add a field
            </Button>
          }
        />
      ) : (
        <>
          <ol className="space-y-4">
            {value.fields.map((field, index) => (
              <li key={field.key}>
                <ConfigFieldRow
                  idPrefix={`${idPrefix}-field-${field.key}`}
                  index={index}
                  field={field}
                  transport={value.transport}
                  errors={errors}
                  onChange={(next) => setFields(value.fields.map((f) => (f.key === field.key ? next : f)))}
                  onRemove={() => setFields(value.fields.filter((f) => f.key !== field.key))}
                />
              </li>
            ))}
          </ol>
          <Button variant="outline" size="sm" onClick={add} data-testid="add-config-field">
            <Plus aria-hidden="true" />
            Add another field
          </Button>
        </>
      )}
      <FieldError id={`${idPrefix}-config-error`}>{firstError(errors, "configSchema")}</FieldError>
    </div>
  );
}

function ConfigFieldRow({
  idPrefix,
  index,
  field,
  transport,
  errors,
  onChange,
  onRemove,
}: {
  idPrefix: string;
  index: number;
  field: FieldDraft;
  transport: DefinitionDraft["transport"];
  errors: FieldErrors;
  onChange: (next: FieldDraft) => void;
  onRemove: () => void;
}) {
  const baseId = useId();
  const id = (name: string) => `${idPrefix}-${name}`;
  const set = (patch: Partial<FieldDraft>) => onChange({ ...field, ...patch });
  const err = (prop: string) => firstError(errors, `configSchema.${index}.${prop}`);
  const rowError = firstError(errors, `configSchema.${index}`);
  const sharedError = field.name.trim() ? firstError(errors, `sharedValues.${field.name.trim()}`) : undefined;
  const title = field.label.trim() || field.name.trim() || `Field ${index + 1}`;
  const hasError = Boolean(
    rowError ||
      sharedError ||
      ["name", "label", "target", "default", "description", "choices"].some((prop) => err(prop)),
  );

  return (
    <fieldset
      className={cn("space-y-4 rounded-lg border p-4", hasError && "border-destructive/50")}
      data-testid="config-field-row"
      aria-labelledby={`${baseId}-legend`}
    >
      <div className="flex items-center justify-between gap-3">
        <p id={`${baseId}-legend`} className="min-w-0 truncate text-sm font-medium">
          <span className="mr-2 text-xs text-muted-foreground tabular-nums">{index + 1}.</span>
          {title}
        </p>
        <Button
          variant="ghost"
          size="sm"
          className="text-muted-foreground hover:text-destructive"
          onClick={onRemove}
          aria-label={`Remove field ${title}`}
        >
          <Trash2 aria-hidden="true" />
          Remove
        </Button>
      </div>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field id={id("target")} label="Where it goes" error={err("target")}>
          <NativeSelect
            id={id("target")}
            value={field.target}
            onChange={(event) => set({ target: event.target.value as ConfigTarget })}
            {...describedBy(id("target"), false, err("target"))}
          >
            {targetsFor(transport).map((target) => (
              <option key={target} value={target}>
                {TARGET_LABELS[target]}
              </option>
            ))}
          </NativeSelect>
        </Field>
        <Field
          id={id("name")}
          label="Name"
          hint={NAME_HINTS[field.target](field.name.trim())}
          error={err("name")}
        >
          <Input
            id={id("name")}
            value={field.name}
            onChange={(event) => set({ name: event.target.value })}
            placeholder={NAME_PLACEHOLDERS[field.target]}
            className="font-mono"
            spellCheck={false}
            autoComplete="off"
            maxLength={200}
            {...describedBy(id("name"), true, err("name"))}
          />
        </Field>
        <Field id={id("label")} label="Label" hint="What people see in the form." error={err("label")}>
          <Input
            id={id("label")}
            value={field.label}
            onChange={(event) => set({ label: event.target.value })}
            placeholder="API key"
            maxLength={200}
            {...describedBy(id("label"), true, err("label"))}
          />
        </Field>
      </div>
      <Field id={id("description")} label="Help text" optional error={err("description")}>
        <Input
          id={id("description")}
          value={field.description}
          onChange={(event) => set({ description: event.target.value })}
          placeholder="Where to find it, what format it takes"
          maxLength={2000}
          {...describedBy(id("description"), false, err("description"))}
        />
      </Field>
      <div className="flex flex-wrap gap-x-6 gap-y-3">
        <ToggleRow
          id={id("secret")}
          label="Secret"
          hint="Stored encrypted, never shown again"
          checked={field.secret}
          onChange={(secret) => set({ secret, default: secret ? "" : field.default })}
        />
        <ToggleRow
          id={id("required")}
          label="Required"
          hint="A connection cannot work without it"
          checked={field.required}
          onChange={(required) => set({ required })}
        />
      </div>
      <ChoiceCards
        name={id("provider")}
        legend={`Who provides ${title}`}
        value={field.perUser ? "user" : "shared"}
        onChange={(choice) => set({ perUser: choice === "user" })}
        columns={2}
        choices={[
          {
            value: "user",
            label: "Each user",
            description: "Asked for when someone connects; every connection has its own value.",
          },
          {
            value: "shared",
            label: "You, once for everyone",
            description: "You set the value here; users never see it (e.g. a team's service key).",
          },
        ]}
      />
      {field.perUser ? (
        !field.secret && (
          <Field
            id={id("default")}
            label="Default value"
            optional
            hint={field.choices ? `One of: ${field.choices.join(", ")}` : "Pre-filled when someone connects."}
            error={err("default")}
          >
            <Input
              id={id("default")}
              value={field.default}
              onChange={(event) => set({ default: event.target.value })}
              maxLength={8192}
              {...describedBy(id("default"), true, err("default"))}
            />
          </Field>
        )
      ) : (
        <Field
          id={id("shared")}
          label={field.secret ? "Shared secret value" : "Shared value"}
          hint={
            field.secret
              ? field.hasStoredSecret
                ? "A value is set. Leave blank to keep it, or type a new one to replace it."
                : "Stored encrypted with this version; nobody can read it back, not even you."
              : field.required
                ? "Needed before the server can be published."
                : undefined
          }
          error={sharedError}
        >
          <Input
            id={id("shared")}
            type={field.secret ? "password" : "text"}
            autoComplete={field.secret ? "new-password" : "off"}
            value={field.sharedValue}
            onChange={(event) => set({ sharedValue: event.target.value })}
            placeholder={field.secret && field.hasStoredSecret ? "•••••••• (set)" : undefined}
            className={field.secret ? "font-mono" : undefined}
            maxLength={8192}
            data-secret={field.secret || undefined}
            {...describedBy(id("shared"), Boolean(field.secret || field.required), sharedError)}
          />
        </Field>
      )}
      <FieldError id={id("row-error")}>{rowError}</FieldError>
    </fieldset>
  );
}

function ToggleRow({
  id,
  label,
  hint,
  checked,
  onChange,
}: {
  id: string;
  label: string;
  hint: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <div className="flex items-start gap-2.5">
      <Switch
        id={id}
        checked={checked}
        onCheckedChange={onChange}
        aria-describedby={`${id}-hint`}
        className="mt-0.5"
      />
      <div className="space-y-0.5">
        <Label htmlFor={id} className="cursor-pointer">
          {label}
        </Label>
        <p id={`${id}-hint`} className="text-xs text-muted-foreground">
          {hint}
        </p>
      </div>
    </div>
  );
}
