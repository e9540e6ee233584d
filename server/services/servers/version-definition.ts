import { z } from "zod";
import type { Db, Tx } from "../../db";
import type { Prisma, ServerVersion } from "../../db/generated/client";
import { AppError, isAppError } from "../../errors";
import { checkOutboundUrl, type Resolver } from "../../security/outbound-url";
import {
  type CommandTemplate,
  getCommandTemplates,
  matchCommandTemplate,
} from "../settings/command-templates";
import { getOutboundPolicy } from "../settings/outbound-policy";
import {
  CONFIG_SCHEMA,
  type ConfigField,
  type ConfigValues,
  checkConfigValues,
  missingRequired,
  readConfigSchema,
  sealSecrets,
  secretContext,
  sharedSecretFieldNames,
  userChosenHostVariables,
} from "./config-fields";
import { URL_PLACEHOLDER_RE } from "./upstream-target";

/**
 * The rules for what a server version runs, in one place for create, new version, import and the
 * CLI: a remote URL (streamable HTTP or legacy SSE) that passes the SSRF guard (PROTOCOL X1), or an
 * admin-allowed stdio command template (X2); a configuration schema whose fields fit the transport;
 * and the publisher's shared values, secret ones sealed to the version row. Every refusal is a
 * BAD_REQUEST with a message a person can act on and `details.fieldErrors` keyed by input path.
 */
export const SERVER_TRANSPORTS = ["STREAMABLE_HTTP", "SSE", "STDIO"] as const;
export type ServerTransport = (typeof SERVER_TRANSPORTS)[number];
export const UPSTREAM_AUTH_KINDS = ["NONE", "STATIC_HEADER", "OAUTH"] as const;
export type UpstreamAuthKind = (typeof UPSTREAM_AUTH_KINDS)[number];

export const MAX_URL_LENGTH = 2048;
export const MAX_ARGS = 60;
export const MAX_ARG_LENGTH = 1000;
const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,99}$/;
const TARGET_WORDS: Record<ConfigField["target"], string> = {
  env: "an environment-variable",
  argument: "an argument",
  header: "a header",
  "url-variable": "a URL-variable",
};
const REMOTE_TARGETS: ReadonlySet<ConfigField["target"]> = new Set(["header", "url-variable"]);
const STDIO_TARGETS: ReadonlySet<ConfigField["target"]> = new Set(["env", "argument"]);

export type VersionDefinitionInput = {
  transport: ServerTransport;
  /** remote transports: the upstream URL; `{name}` placeholders are url-variable fields */
  url?: string | null;
  /** STDIO: an allowed command template's executable and its arguments */
  command?: string | null;
  args?: readonly string[] | null;
  /** ConfigField[] (validated with CONFIG_SCHEMA) */
  configSchema?: unknown;
  /** values of the shared (perUser: false) fields, secrets included; write-only */
  sharedValues?: Readonly<Record<string, unknown>> | null;
  upstreamAuth?: UpstreamAuthKind;
};

export type CheckedDefinition = {
  transport: ServerTransport;
  url: string | null;
  command: string | null;
  args: string[];
  configSchema: ConfigField[];
  upstreamAuth: UpstreamAuthKind;
  /** the shared non-secret values */
  sharedConfig: ConfigValues;
  /** the shared secret values, sealed to `secretContext.serverVersion(versionId)` */
  sharedSecrets: Uint8Array<ArrayBuffer> | null;
  /** names of the shared secret fields that have a value (never the values) */
  sharedSecretNames: string[];
};

/** The ServerVersion columns a checked definition is stored in, for a new version and an edit alike. */
export function definitionColumns(definition: CheckedDefinition) {
  return {
    transport: definition.transport,
    url: definition.url,
    command: definition.command,
    args: definition.args,
    configSchema: definition.configSchema as unknown as Prisma.InputJsonValue,
    sharedConfig: definition.sharedConfig,
    sharedSecrets: definition.sharedSecrets,
    upstreamAuth: definition.upstreamAuth,
  };
}

type FieldErrors = Record<string, string[]>;

function addError(errors: FieldErrors, key: string, message: string): void {
  errors[key] = [...(errors[key] ?? []), message];
}

function refuse(errors: FieldErrors): never {
  const messages = Object.values(errors).flat();
  throw new AppError(
    "BAD_REQUEST",
    messages.length === 1
      ? (messages[0] as string)
      : `The server definition has ${messages.length} problems: ${messages.join(" ")}`,
    { details: { fieldErrors: errors } },
  );
}

/** A version label such as "1.2.0" or "2025-06-01": exact, no spaces, at most 100 characters. */
export function checkVersionString(value: string): string {
  const version = value.normalize("NFKC").trim();
  if (!VERSION_RE.test(version)) {
    throw new AppError(
      "BAD_REQUEST",
      "Version must be 1–100 letters, digits, '.', '+', '_' or '-', starting with a letter or digit (e.g. 1.0.0).",
      { details: { fieldErrors: { version: ["Use a version such as 1.0.0."] } } },
    );
  }
  return version;
}

function placeholderNames(url: string): string[] {
  return [...new Set(Array.from(url.matchAll(URL_PLACEHOLDER_RE), (match) => match[1] ?? ""))];
}

/** The URL with each placeholder replaced by a harmless label, for checking its shape. */
function probeUrl(url: string): string {
  return url.replace(URL_PLACEHOLDER_RE, "placeholder");
}

function authorityHasPlaceholder(url: string): boolean {
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(url)?.[1] ?? "";
  return authority.includes("{");
}

/** Shape-only checks of a remote URL; returns the trimmed URL or records errors. */
function checkRemoteUrlShape(raw: string | null | undefined, errors: FieldErrors): string | null {
  const url = raw?.trim() ?? "";
  if (url === "") {
    addError(errors, "url", "Enter the server's URL (http:// or https://).");
    return null;
  }
  if (url.length > MAX_URL_LENGTH || /[\p{Cc}\s]/u.test(url)) {
    addError(errors, "url", `The URL must be at most ${MAX_URL_LENGTH} characters without spaces.`);
    return null;
  }
  let parsed: URL | null = null;
  try {
    parsed = new URL(probeUrl(url));
  } catch {
    parsed = null;
  }
  if (!/^https?:\/\//i.test(url) || !parsed || parsed.hostname === "") {
    addError(errors, "url", "The URL must be an absolute http:// or https:// URL.");
    return null;
  }
  if (parsed.username || parsed.password) {
    addError(errors, "url", "The URL must not carry a user name or password (user@host).");
    return null;
  }
  return url;
}

/**
 * A shared secret goes with every user's requests; if each user may also type the host part of the
 * URL, any user granted the server could point it at a host of their own and receive the secret.
 * The connect-time SSRF guard does not help: it only refuses internal hosts. Refused whether or not
 * the secret has a value yet, since a draft (or an imported server.json) gets one later.
 */
function checkSecretStaysWithHost(url: string, fields: readonly ConfigField[], errors: FieldErrors): void {
  const hostVariables = userChosenHostVariables(url, fields);
  const secrets = sharedSecretFieldNames(fields);
  if (hostVariables.length === 0 || secrets.length === 0) return;
  const variables = hostVariables.map((name) => `{${name}}`).join(", ");
  addError(
    errors,
    "url",
    `The host part of the URL can't come from a value each user enters (${variables}) while the server sends a shared secret (${secrets.map((name) => `"${name}"`).join(", ")}): a user could send that secret to a host of their choosing. Make the secret per-user, fix the host, or limit ${variables} to a list of choices.`,
  );
}

function parseConfigSchema(input: unknown, errors: FieldErrors): ConfigField[] {
  const parsed = CONFIG_SCHEMA.safeParse(input ?? []);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const path = ["configSchema", ...issue.path.map(String)].join(".");
    addError(errors, path, `Configuration field ${describeFieldPath(issue.path)}: ${issue.message}`);
  }
  return [];
}

function describeFieldPath(path: readonly PropertyKey[]): string {
  const [index, key] = path;
  if (typeof index !== "number") return "list";
  return key === undefined ? `#${index + 1}` : `#${index + 1} ${String(key)}`;
}

/**
 * Checks a version definition and seals its shared secrets for the row `versionId` (generated by
 * the caller before the insert, so the ciphertext is bound to the row it will live in). Reads the
 * admin's allow-lists (outbound hosts, command templates) and resolves the URL's host; run it
 * before opening the transaction that stores the result.
 */
export async function checkVersionDefinition(options: {
  db: Db | Tx;
  versionId: string;
  definition: VersionDefinitionInput;
  /** a draft may leave required shared values empty; otherwise they are checked here too */
  isDraft: boolean;
  /**
   * The version whose shared secrets a secret left blank keeps, with those secrets opened: kept
   * only where they would go where they went before (inheritableSecrets).
   */
  inheritFrom?: { version: InheritSource; secrets: ConfigValues };
  /** DNS for the SSRF guard; tests inject one */
  resolver?: Resolver;
}): Promise<CheckedDefinition> {
  const { definition } = options;
  const errors: FieldErrors = {};
  const transport = definition.transport;
  if (!SERVER_TRANSPORTS.includes(transport)) {
    addError(errors, "transport", "Choose streamable HTTP, SSE or stdio.");
    refuse(errors);
  }
  const isRemote = transport !== "STDIO";
  const configSchema = parseConfigSchema(definition.configSchema, errors);
  const upstreamAuth = definition.upstreamAuth ?? "NONE";

  configSchema.forEach((field, index) => {
    const allowed = isRemote ? REMOTE_TARGETS : STDIO_TARGETS;
    if (!allowed.has(field.target)) {
      addError(
        errors,
        `configSchema.${index}.target`,
        isRemote
          ? `"${field.name}" is ${TARGET_WORDS[field.target]} field, but a remote server only takes header and URL-variable fields.`
          : `"${field.name}" is ${TARGET_WORDS[field.target]} field, but a stdio server only takes environment-variable and argument fields.`,
      );
    }
  });

  let url: string | null = null;
  let command: string | null = null;
  let args: string[] = [];
  if (isRemote) {
    if (definition.command?.trim() || (definition.args?.length ?? 0) > 0)
      addError(errors, "command", "A remote server has a URL, not a command or arguments.");
    url = checkRemoteUrlShape(definition.url, errors);
    if (url !== null) {
      const variables = new Set(configSchema.filter((f) => f.target === "url-variable").map((f) => f.name));
      const used = placeholderNames(url);
      for (const name of used) {
        if (!variables.has(name))
          addError(
            errors,
            "url",
            `The URL uses {${name}}, but there is no URL-variable field named "${name}".`,
          );
      }
      for (const name of variables) {
        if (!used.includes(name))
          addError(errors, "url", `The URL-variable field "${name}" must appear in the URL as {${name}}.`);
      }
      checkSecretStaysWithHost(url, configSchema, errors);
    }
    if (upstreamAuth === "STATIC_HEADER" && !configSchema.some((f) => f.target === "header"))
      addError(errors, "upstreamAuth", "Static-header authentication needs at least one header field.");
  } else {
    if (definition.url?.trim()) addError(errors, "url", "A stdio server has a command, not a URL.");
    command = definition.command?.trim() ?? "";
    args = [...(definition.args ?? [])];
    if (command === "") addError(errors, "command", "Enter the command to run (an allowed template).");
    if (args.length > MAX_ARGS) addError(errors, "args", `At most ${MAX_ARGS} arguments.`);
    if (args.some((arg) => arg.length > MAX_ARG_LENGTH))
      addError(errors, "args", `Each argument must be at most ${MAX_ARG_LENGTH} characters.`);
    if (upstreamAuth !== "NONE")
      addError(errors, "upstreamAuth", "Upstream authentication applies to remote servers only.");
  }
  if (Object.keys(errors).length > 0) refuse(errors);

  if (url !== null && !authorityHasPlaceholder(url)) {
    // A host given by a variable is only known at connect time, where the same guard runs again.
    const check = await checkOutboundUrl(
      probeUrl(url),
      await getOutboundPolicy(options.db),
      options.resolver,
    );
    if (!check.ok) addError(errors, "url", `This URL is refused: ${check.reason}.`);
  }
  const templates = transport === "STDIO" ? await getCommandTemplates(options.db) : [];
  if (command !== null && command !== "") {
    const match = matchCommandTemplate(templates, command, args);
    if (!match.ok) addError(errors, "command", `This command is refused: ${match.reason}.`);
  }
  if (Object.keys(errors).length > 0) refuse(errors);

  const inheritedSecrets = options.inheritFrom
    ? inheritableSecrets(options.inheritFrom, { transport, url, command, args, configSchema }, templates)
    : {};
  const shared = checkSharedValues(configSchema, definition.sharedValues ?? {}, { inheritedSecrets });
  if (!options.isDraft) assertSharedValuesComplete(configSchema, shared.plain, Object.keys(shared.secret));
  return {
    transport,
    url,
    command,
    args,
    configSchema,
    upstreamAuth,
    sharedConfig: shared.plain,
    sharedSecrets: sealSecrets(shared.secret, secretContext.serverVersion(options.versionId)),
    sharedSecretNames: Object.keys(shared.secret).sort(),
  };
}

/** What decides where a version's shared secrets go: its upstream and its fields. */
export type InheritSource = Pick<ServerVersion, "transport" | "url" | "command" | "args" | "configSchema">;

/**
 * Which of `from`'s shared secrets a new definition may keep without their being typed again: those
 * that would reach the same upstream (the same transport, and the same scheme and host part of the
 * URL, or the same command and package) through a field of the same target. Anything else would let
 * someone who never saw a secret (an owner whose server an admin completed with a company key) send
 * it to an upstream of their choosing, with discovery running before any review.
 */
function inheritableSecrets(
  from: { version: InheritSource; secrets: ConfigValues },
  next: Omit<InheritSource, "configSchema"> & { configSchema: ConfigField[] },
  templates: readonly CommandTemplate[],
): ConfigValues {
  const previous = from.version;
  if (previous.transport !== next.transport) return {};
  if (next.transport === "STDIO") {
    const packageOf = (command: string | null, args: readonly string[]) => {
      const match = command ? matchCommandTemplate(templates, command, args) : null;
      return match?.ok ? `${match.match.template.id} ${match.match.packageName}` : null;
    };
    const before = packageOf(previous.command, previous.args);
    if (before === null || before !== packageOf(next.command, next.args)) return {};
  } else if (
    previous.url === null ||
    next.url === null ||
    authorityOf(previous.url) !== authorityOf(next.url)
  ) {
    return {};
  }
  const targets = new Map(readConfigSchema(previous.configSchema).map((field) => [field.name, field.target]));
  return Object.fromEntries(
    Object.entries(from.secrets).filter(([name]) => {
      const field = next.configSchema.find((candidate) => candidate.name === name);
      return field !== undefined && targets.get(name) === field.target;
    }),
  );
}

/** "https://{tenant}.example.com:8443" of a URL template, lower-case, placeholders as written. */
function authorityOf(template: string): string {
  return (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(template)?.[0] ?? template).toLowerCase();
}

function checkSharedValues(
  fields: ConfigField[],
  values: Readonly<Record<string, unknown>>,
  options: { inheritedSecrets?: ConfigValues },
): { plain: ConfigValues; secret: ConfigValues } {
  const inherited = options.inheritedSecrets ?? {};
  const inheritable = new Set(
    fields.filter((f) => !f.perUser && f.secret && inherited[f.name] !== undefined).map((f) => f.name),
  );
  // Required shared values are checked by assertSharedValuesComplete when publishing (one wording
  // for every path), so a draft can be saved half-done.
  const checkedFields = fields.map((f) => ({ ...f, required: false }));
  let checked: { plain: ConfigValues; secret: ConfigValues };
  try {
    checked = checkConfigValues(checkedFields, values, { perUser: false, keepSecrets: inheritable });
  } catch (error) {
    const fieldErrors = isAppError(error)
      ? (error.details?.fieldErrors as FieldErrors | undefined)
      : undefined;
    if (!fieldErrors) throw error;
    const errors: FieldErrors = {};
    for (const [name, messages] of Object.entries(fieldErrors)) {
      for (const message of messages)
        addError(errors, `sharedValues.${name}`, `Shared value "${name}" ${message}.`);
    }
    refuse(errors);
  }
  const secret = { ...checked.secret };
  for (const name of inheritable) {
    const value = inherited[name];
    if (secret[name] === undefined && value !== undefined) secret[name] = value;
  }
  return { plain: checked.plain, secret };
}

/** Publishing needs every required shared field to have a value (or a default). */
/**
 * Refuses publishing a version whose URL lets each user choose the host while it sends a shared
 * secret (checkSecretStaysWithHost): a draft saved before that rule existed is caught here.
 */
export function assertSecretStaysWithHost(
  transport: string,
  url: string | null,
  fields: readonly ConfigField[],
): void {
  if (transport === "STDIO" || !url) return;
  const errors: FieldErrors = {};
  checkSecretStaysWithHost(url, fields, errors);
  if (Object.keys(errors).length > 0) refuse(errors);
}

export function assertSharedValuesComplete(
  fields: readonly ConfigField[],
  sharedConfig: ConfigValues,
  sharedSecretNames: readonly string[],
): void {
  const present = new Set([...Object.keys(sharedConfig), ...sharedSecretNames]);
  const missing = missingRequired(fields, false, present);
  if (missing.length === 0) return;
  const errors: FieldErrors = {};
  for (const name of missing) {
    const label = fields.find((f) => f.name === name)?.label ?? name;
    addError(errors, `sharedValues.${name}`, `${label} needs a shared value before the server is published.`);
  }
  refuse(errors);
}

const SHARED_CONFIG = z.record(z.string(), z.string());

/** The stored sharedConfig Json back as values; anything malformed reads as none. */
export function readSharedConfig(value: unknown): ConfigValues {
  const parsed = SHARED_CONFIG.safeParse(value);
  return parsed.success ? parsed.data : {};
}
