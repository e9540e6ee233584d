import { expandTemplate, readCommand } from "./command-template";
import type { CommandTemplate, ConfigTarget, ManagedVersion, Transport } from "./labels";
import { targetsFor } from "./labels";

/**
 * What the publish form edits about one version, in the shape the inputs need: a URL, or a
 * command template with a package and exact version plus further arguments; the configuration
 * fields; and the publisher's shared values (kept on each field so renaming a field keeps its value).
 */
export type FieldDraft = {
  /** stable React key; names change while typing */
  key: string;
  name: string;
  label: string;
  description: string;
  target: ConfigTarget;
  secret: boolean;
  required: boolean;
  /** true: each user supplies it when connecting; false: the publisher sets it once here */
  perUser: boolean;
  default: string;
  choices: string[] | null;
  /** the shared value typed here (perUser false); a secret's stays write-only */
  sharedValue: string;
  /** a shared secret that already has a stored value (editing): blank keeps it */
  hasStoredSecret: boolean;
};

export type DefinitionDraft = {
  transport: Transport;
  url: string;
  templateId: string;
  packageName: string;
  packageVersion: string;
  extraArgs: string[];
  /** an existing stdio command no template matches any more (shown, sent unchanged) */
  unmatchedCommand: { command: string; args: string[] } | null;
  fields: FieldDraft[];
  upstreamAuth: ManagedVersion["upstreamAuth"];
};

let keyCounter = 0;
export function newFieldKey(): string {
  keyCounter += 1;
  return `field-${keyCounter}`;
}

export function emptyDefinition(templates: readonly CommandTemplate[]): DefinitionDraft {
  return {
    transport: "STREAMABLE_HTTP",
    url: "",
    templateId: templates[0]?.id ?? "",
    packageName: "",
    packageVersion: "",
    extraArgs: [],
    unmatchedCommand: null,
    fields: [],
    upstreamAuth: "NONE",
  };
}

export function newField(transport: Transport): FieldDraft {
  return {
    key: newFieldKey(),
    name: "",
    label: "",
    description: "",
    target: targetsFor(transport)[0] ?? "header",
    secret: false,
    required: false,
    perUser: true,
    default: "",
    choices: null,
    sharedValue: "",
    hasStoredSecret: false,
  };
}

type FieldSource = Omit<ManagedVersion["configSchema"][number], never>;

/** A version (or an import's variant) as a draft to edit or to base a new version on. */
export function draftFromVersion(
  version: {
    transport: Transport;
    url: string | null;
    command: string | null;
    args: string[];
    configSchema: FieldSource[];
    upstreamAuth?: ManagedVersion["upstreamAuth"];
    sharedConfig?: Record<string, string>;
    sharedSecretsSet?: string[];
  },
  templates: readonly CommandTemplate[],
): DefinitionDraft {
  const reading =
    version.transport === "STDIO" ? readCommand(templates, version.command, version.args) : null;
  const secretsSet = new Set(version.sharedSecretsSet ?? []);
  return {
    transport: version.transport,
    url: version.url ?? "",
    templateId: reading?.templateId ?? templates[0]?.id ?? "",
    packageName: reading?.packageName ?? "",
    packageVersion: reading?.version ?? "",
    extraArgs: reading?.extraArgs ?? [],
    unmatchedCommand:
      version.transport === "STDIO" && reading === null && version.command
        ? { command: version.command, args: version.args }
        : null,
    fields: version.configSchema.map((field) => ({
      key: newFieldKey(),
      name: field.name,
      label: field.label,
      description: field.description,
      target: field.target,
      secret: field.secret,
      required: field.required,
      perUser: field.perUser,
      default: field.default ?? "",
      choices: field.choices,
      sharedValue: field.perUser || field.secret ? "" : (version.sharedConfig?.[field.name] ?? ""),
      hasStoredSecret: !field.perUser && field.secret && secretsSet.has(field.name),
    })),
    upstreamAuth: version.upstreamAuth ?? "NONE",
  };
}

/** The command line the draft runs, or null when the template or package is missing. */
export function draftCommand(
  draft: DefinitionDraft,
  templates: readonly CommandTemplate[],
): { command: string; args: string[] } | null {
  if (draft.unmatchedCommand) return draft.unmatchedCommand;
  const template = templates.find((candidate) => candidate.id === draft.templateId);
  if (!template) return null;
  const expanded = expandTemplate(template, draft.packageName.trim(), draft.packageVersion.trim());
  return {
    command: expanded.command,
    args: [...expanded.args, ...draft.extraArgs.filter((arg) => arg !== "")],
  };
}

/** The servers.* `definition` input for the draft. */
export function definitionInput(draft: DefinitionDraft, templates: readonly CommandTemplate[]) {
  const isStdio = draft.transport === "STDIO";
  const command = isStdio ? draftCommand(draft, templates) : null;
  const sharedValues: Record<string, string> = {};
  for (const field of draft.fields) {
    const name = field.name.trim();
    if (!field.perUser && name && field.sharedValue !== "") sharedValues[name] = field.sharedValue;
  }
  return {
    transport: draft.transport,
    url: isStdio ? null : draft.url.trim(),
    command: isStdio ? (command?.command ?? "") : null,
    args: isStdio ? (command?.args ?? []) : [],
    configSchema: draft.fields.map((field) => ({
      name: field.name.trim(),
      label: field.label.trim(),
      description: field.description,
      secret: field.secret,
      required: field.required,
      perUser: field.perUser,
      default: field.secret || field.default === "" ? null : field.default,
      choices: field.choices,
      target: field.target,
    })),
    sharedValues,
    // Upstream sign-in applies to remote servers only.
    upstreamAuth: isStdio ? ("NONE" as const) : draft.upstreamAuth,
  };
}

/** Switching between remote and stdio: fields move to the nearest target the new transport takes. */
export function withTransport(draft: DefinitionDraft, transport: Transport): DefinitionDraft {
  const allowed = targetsFor(transport);
  const nearest: Record<ConfigTarget, ConfigTarget> =
    transport === "STDIO"
      ? { header: "env", "url-variable": "argument", env: "env", argument: "argument" }
      : { env: "header", argument: "url-variable", header: "header", "url-variable": "url-variable" };
  return {
    ...draft,
    transport,
    fields: draft.fields.map((field) =>
      allowed.includes(field.target) ? field : { ...field, target: nearest[field.target] },
    ),
  };
}
