/**
 * Pure parser for MCP Registry `server.json` documents (schema 2025-12-11).
 *
 * Turns an untrusted server.json into the catalog's own shape: one importable version per usable
 * remote (streamable-http / sse) and per npm package with stdio transport. Everything else is
 * skipped with a warning. No I/O, no network: the caller decides what to do with the result.
 */
import { z } from "zod";
import { type ConfigField, envDenialReason, headerDenialReason } from "../servers/config-fields";

export type { ConfigField };

export type ImportedVersion = {
  transport: "STREAMABLE_HTTP" | "SSE" | "STDIO";
  url: string | null;
  command: string | null;
  args: string[];
  configSchema: ConfigField[];
};

export type ImportedServer = {
  /** the document's reverse-DNS name, e.g. "io.github.acme/weather" */
  registryName: string;
  slug: string;
  name: string;
  description: string;
  version: string;
  websiteUrl: string | null;
  repositoryUrl: string | null;
  iconUrl: string | null;
  /** One per usable remote and per usable npm package, in document order (remotes first). */
  versions: ImportedVersion[];
  warnings: string[];
};

export type ParseServerJsonResult = { ok: true; server: ImportedServer } | { ok: false; errors: string[] };

// ---------------------------------------------------------------------------------------------
// Limits and deny-lists
// ---------------------------------------------------------------------------------------------

export const MAX_DESCRIPTION_LENGTH = 2000;
export const MAX_NAME_LENGTH = 200;
export const MAX_SLUG_LENGTH = 63;
const MAX_FIELD_DESCRIPTION_LENGTH = 2000;
const MAX_ERRORS = 50;

const URL_VARIABLE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const SERVER_NAME_RE = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/;
const NPM_NAME_RE = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
const EXACT_VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9.+_-]*$/;
const NAMED_ARGUMENT_RE = /^-{1,2}[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PLACEHOLDER_RE = /\{([^{}]*)\}/g;

// ---------------------------------------------------------------------------------------------
// Text cleaning
// ---------------------------------------------------------------------------------------------

// Unicode categories instead of code-point ranges: Cc is every C0/C1 control, Cf every invisible
// formatting character (bidi overrides and isolates, zero-width characters, the BOM, U+061C, …).
// Descriptions keep tabs and line breaks.
const UNSAFE_MULTILINE_RE = /[^\P{Cc}\t\n]|\p{Cf}/gu;
const UNSAFE_SINGLE_LINE_RE = /[\p{Cc}\p{Cf}]/gu;
const CONTROL_RE = /\p{Cc}/u;

function capCodePoints(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? chars.slice(0, max).join("") : text;
}

/** Multi-line prose: keeps line breaks and tabs, drops other controls and invisible formatting characters. */
export function cleanDescription(text: string, max = MAX_DESCRIPTION_LENGTH): string {
  const cleaned = text.replace(/\r\n?/g, "\n").replace(UNSAFE_MULTILINE_RE, "").trim();
  return capCodePoints(cleaned, max).trim();
}

/** Single-line labels: drops every control and invisible formatting character, collapses whitespace. */
export function cleanLine(text: string, max = MAX_NAME_LENGTH): string {
  const cleaned = text.replace(UNSAFE_SINGLE_LINE_RE, " ").replace(/\s+/g, " ").trim();
  return capCodePoints(cleaned, max).trim();
}

// ---------------------------------------------------------------------------------------------
// Slug
// ---------------------------------------------------------------------------------------------

/** "io.github.acme/weather" → "acme-weather": lowercase, [a-z0-9-] only, at most 63 characters. */
export function slugFromServerName(name: string): string {
  const slash = name.indexOf("/");
  const namespace = slash === -1 ? "" : name.slice(0, slash);
  const server = slash === -1 ? name : name.slice(slash + 1);
  const owner = namespace.split(".").filter(Boolean).at(-1) ?? "";
  const slug = [owner, server]
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/g, "");
  return slug === "" ? "server" : slug;
}

// ---------------------------------------------------------------------------------------------
// Schema (shape and types only; semantic rules are applied afterwards so they can name paths)
// ---------------------------------------------------------------------------------------------

const inputShape = {
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  format: z.string().optional(),
  value: z.string().optional(),
  default: z.string().optional(),
  placeholder: z.string().optional(),
  choices: z.array(z.string()).max(200).optional(),
};

const inputSchema = z.object(inputShape);
const variablesSchema = z.record(z.string(), inputSchema);

const keyValueInputSchema = z.object({
  ...inputShape,
  name: z.string().min(1),
  variables: variablesSchema.optional(),
});

const argumentSchema = z.object({
  ...inputShape,
  type: z.enum(["positional", "named"]),
  name: z.string().optional(),
  valueHint: z.string().optional(),
  isRepeated: z.boolean().optional(),
  variables: variablesSchema.optional(),
});

const transportSchema = z.object({
  type: z.enum(["stdio", "streamable-http", "sse"]),
  url: z.string().optional(),
  headers: z.array(keyValueInputSchema).max(100).optional(),
  variables: variablesSchema.optional(),
});

const packageSchema = z.object({
  registryType: z.string().min(1),
  registryBaseUrl: z.string().optional(),
  identifier: z.string().min(1),
  version: z.string().min(1).max(255),
  fileSha256: z.string().optional(),
  runtimeHint: z.string().optional(),
  transport: transportSchema,
  runtimeArguments: z.array(argumentSchema).max(100).optional(),
  packageArguments: z.array(argumentSchema).max(100).optional(),
  environmentVariables: z.array(keyValueInputSchema).max(100).optional(),
});

const remoteSchema = z.object({
  type: z.enum(["streamable-http", "sse"]),
  url: z.string().min(1),
  headers: z.array(keyValueInputSchema).max(100).optional(),
  variables: variablesSchema.optional(),
});

const serverJsonSchema = z.object({
  $schema: z.string().optional(),
  name: z
    .string()
    .min(3)
    .max(MAX_NAME_LENGTH)
    .regex(SERVER_NAME_RE, { error: 'must be a reverse-DNS name such as "io.github.user/server"' }),
  description: z.string(),
  title: z.string().optional(),
  version: z.string().min(1).max(255),
  websiteUrl: z.string().optional(),
  repository: z
    .object({
      url: z.string(),
      source: z.string(),
      subfolder: z.string().optional(),
      id: z.string().optional(),
    })
    .optional(),
  icons: z
    .array(
      z.object({
        src: z.string(),
        mimeType: z.string().optional(),
        sizes: z.array(z.string()).optional(),
        theme: z.string().optional(),
      }),
    )
    .max(50)
    .optional(),
  packages: z.array(packageSchema).max(50).optional(),
  remotes: z.array(remoteSchema).max(50).optional(),
});

type KeyValueInput = z.infer<typeof keyValueInputSchema>;
type Variables = z.infer<typeof variablesSchema>;
type PackageJson = z.infer<typeof packageSchema>;
type RemoteJson = z.infer<typeof remoteSchema>;

// ---------------------------------------------------------------------------------------------
// Error wording
// ---------------------------------------------------------------------------------------------

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment))
      out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === "" ? "server.json" : out;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

const errorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? "is required" : `must be ${article(issue.expected)}`;
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")}`;
    case "too_small":
      if (issue.origin === "string")
        return issue.minimum === 1 ? "must not be empty" : `must be at least ${issue.minimum} characters`;
      return `must have at least ${issue.minimum} items`;
    case "too_big":
      if (issue.origin === "string") return `must be at most ${issue.maximum} characters`;
      return `must have at most ${issue.maximum} items`;
    case "invalid_format":
      return "has an invalid format";
    default:
      return "is invalid";
  }
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

function placeholders(template: string): string[] {
  return Array.from(template.matchAll(PLACEHOLDER_RE), (m) => m[1] ?? "");
}

function safeForMessage(text: string): string {
  return cleanLine(text, 60);
}

class Collector {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  error(path: string, message: string): void {
    this.errors.push(`${path}: ${message}`);
  }
  warn(path: string, message: string): void {
    this.warnings.push(`${path}: ${message}`);
  }
}

/** A link is kept only when it is an absolute http(s) URL; anything else becomes null plus a warning. */
function keepLink(value: string | undefined, path: string, out: Collector): string | null {
  if (value === undefined || value.trim() === "") return null;
  const trimmed = value.trim();
  if (isHttpUrl(trimmed)) return trimmed;
  out.warn(path, "only http(s) links are kept; ignored");
  return null;
}

function field(
  target: ConfigField["target"],
  name: string,
  input: z.infer<typeof inputSchema>,
  overrides: Partial<Pick<ConfigField, "secret" | "required" | "default" | "description">> = {},
): ConfigField {
  return {
    name,
    label: name,
    description: cleanDescription(
      overrides.description ?? input.description ?? "",
      MAX_FIELD_DESCRIPTION_LENGTH,
    ),
    secret: overrides.secret ?? input.isSecret === true,
    required: overrides.required ?? input.isRequired === true,
    default: overrides.default !== undefined ? overrides.default : (input.value ?? input.default ?? null),
    choices: input.choices && input.choices.length > 0 ? [...input.choices] : null,
    target,
    // A value fixed by the document is the publisher's (shared); anything else each user supplies.
    perUser: input.value === undefined,
  };
}

function pushUnique(fields: ConfigField[], next: ConfigField, path: string, out: Collector): void {
  // Values are keyed by field name, so names are unique across targets.
  const clash = fields.some((f) => f.name.toLowerCase() === next.name.toLowerCase());
  if (clash) out.error(path, `duplicate ${next.target} "${next.name}"`);
  else fields.push(next);
}

// ---------------------------------------------------------------------------------------------
// Remotes
// ---------------------------------------------------------------------------------------------

function headerFields(
  headers: KeyValueInput[],
  basePath: string,
  out: Collector,
  fields: ConfigField[],
): void {
  headers.forEach((header, i) => {
    const path = `${basePath}[${i}]`;
    const denied = headerDenialReason(header.name);
    if (denied !== null) {
      out.error(`${path}.name`, denied);
      return;
    }
    const template = header.value;
    const vars = header.variables ?? {};
    const usesVariables = template !== undefined && placeholders(template).length > 0;
    if (template !== undefined && CONTROL_RE.test(template)) {
      out.error(`${path}.value`, "must not contain control characters");
      return;
    }
    if (!usesVariables) {
      // A fixed value (or none): the header's own flags decide; a secret header stays secret.
      pushUnique(fields, field("header", header.name, header), `${path}.name`, out);
      return;
    }
    // A template such as "Bearer {token}": the user supplies the whole header value; the template is
    // shown as guidance and the header is secret/required if any of its parts is.
    const parts = Object.values(vars);
    const description = [header.description ?? "", `Expected format: ${template}`].filter(Boolean).join("\n");
    out.warn(path, "header value templates are not expanded; the whole header value is asked for instead");
    pushUnique(
      fields,
      field("header", header.name, header, {
        description,
        default: null,
        secret: header.isSecret === true || parts.some((v) => v.isSecret === true),
        required: header.isRequired === true || parts.some((v) => v.isRequired === true),
      }),
      `${path}.name`,
      out,
    );
  });
}

function urlVariableFields(
  url: string,
  variables: Variables | undefined,
  basePath: string,
  out: Collector,
  fields: ConfigField[],
): void {
  const declared = variables ?? {};
  for (const [name, input] of Object.entries(declared)) {
    const path = `${basePath}.variables[${JSON.stringify(name)}]`;
    if (!URL_VARIABLE_NAME_RE.test(name)) {
      out.error(path, "variable names may only contain letters, digits, '_' and '-'");
      continue;
    }
    if (!url.includes(`{${name}}`)) out.warn(path, `is not used in the URL`);
    pushUnique(fields, field("url-variable", name, input), path, out);
  }
  for (const name of new Set(placeholders(url))) {
    if (!Object.hasOwn(declared, name))
      out.warn(`${basePath}.url`, `placeholder {${safeForMessage(name)}} has no matching variable`);
  }
}

function importRemote(remote: RemoteJson, index: number, out: Collector): ImportedVersion | null {
  const base = `remotes[${index}]`;
  const errorsBefore = out.errors.length;
  const url = remote.url.trim();
  // The URL is kept as a template; only its shape is checked, with placeholders standing in as text.
  const probe = url.replace(PLACEHOLDER_RE, "placeholder");
  if (!/^https?:\/\//i.test(url) || !isHttpUrl(probe) || CONTROL_RE.test(url)) {
    out.error(`${base}.url`, "must be an http(s) URL");
  }
  const fields: ConfigField[] = [];
  urlVariableFields(url, remote.variables, base, out, fields);
  headerFields(remote.headers ?? [], `${base}.headers`, out, fields);
  if (out.errors.length > errorsBefore) return null;
  return {
    transport: remote.type === "sse" ? "SSE" : "STREAMABLE_HTTP",
    url,
    command: null,
    args: [],
    configSchema: fields,
  };
}

// ---------------------------------------------------------------------------------------------
// Packages
// ---------------------------------------------------------------------------------------------

function fixedArguments(pkg: PackageJson, base: string, out: Collector): string[] {
  const args: string[] = [];
  (pkg.packageArguments ?? []).forEach((arg, i) => {
    const path = `${base}.packageArguments[${i}]`;
    if (arg.type === "named" && (arg.name === undefined || !NAMED_ARGUMENT_RE.test(arg.name))) {
      out.error(`${path}.name`, 'must be a flag such as "--port"');
      return;
    }
    const value = arg.value;
    const fixed = value !== undefined && placeholders(value).length === 0;
    if (!fixed) {
      out.warn(path, "arguments that need user input are not supported yet; skipped");
      return;
    }
    if (CONTROL_RE.test(value)) {
      out.error(`${path}.value`, "must not contain control characters");
      return;
    }
    if (arg.type === "named" && arg.name !== undefined) args.push(arg.name);
    args.push(value);
  });
  return args;
}

function importNpmPackage(pkg: PackageJson, index: number, out: Collector): ImportedVersion | null {
  const base = `packages[${index}]`;
  if (pkg.transport.type !== "stdio") {
    out.warn(base, `npm packages with ${pkg.transport.type} transport are not supported yet; skipped`);
    return null;
  }
  const errorsBefore = out.errors.length;
  if (!NPM_NAME_RE.test(pkg.identifier)) out.error(`${base}.identifier`, "must be a valid npm package name");
  if (!EXACT_VERSION_RE.test(pkg.version) || pkg.version === "latest")
    out.error(`${base}.version`, "must be an exact package version");
  if (pkg.runtimeArguments && pkg.runtimeArguments.length > 0)
    out.warn(`${base}.runtimeArguments`, "runtime arguments are not supported; ignored");
  if (
    pkg.registryBaseUrl !== undefined &&
    pkg.registryBaseUrl.replace(/\/+$/, "") !== "https://registry.npmjs.org"
  )
    out.warn(
      `${base}.registryBaseUrl`,
      "custom registries are not supported; the default npm registry is used",
    );

  const extraArgs = fixedArguments(pkg, base, out);
  const fields: ConfigField[] = [];
  (pkg.environmentVariables ?? []).forEach((env, i) => {
    const path = `${base}.environmentVariables[${i}].name`;
    const reason = envDenialReason(env.name);
    if (reason !== null) {
      out.error(path, reason);
      return;
    }
    if (env.value !== undefined && CONTROL_RE.test(env.value)) {
      out.error(`${base}.environmentVariables[${i}].value`, "must not contain control characters");
      return;
    }
    pushUnique(fields, field("env", env.name, env), path, out);
  });

  if (out.errors.length > errorsBefore) return null;
  return {
    transport: "STDIO",
    url: null,
    command: "npx",
    args: ["-y", `${pkg.identifier}@${pkg.version}`, ...extraArgs],
    configSchema: fields,
  };
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

export function parseServerJson(input: unknown): ParseServerJsonResult {
  const parsed = serverJsonSchema.safeParse(input, { error: errorMap });
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    return { ok: false, errors: errors.slice(0, MAX_ERRORS) };
  }
  const doc = parsed.data;
  const out = new Collector();

  const versions: ImportedVersion[] = [];
  (doc.remotes ?? []).forEach((remote, i) => {
    const version = importRemote(remote, i, out);
    if (version) versions.push(version);
  });
  (doc.packages ?? []).forEach((pkg, i) => {
    if (pkg.registryType === "npm") {
      const version = importNpmPackage(pkg, i, out);
      if (version) versions.push(version);
      return;
    }
    out.warn(`packages[${i}]`, `${safeForMessage(pkg.registryType)} packages are not supported yet; skipped`);
  });

  if (out.errors.length === 0 && versions.length === 0) {
    out.error(
      "server.json",
      "has neither a usable remote nor a usable package (supported: streamable-http/sse remotes and npm packages with stdio transport)",
    );
  }
  if (out.errors.length > 0) return { ok: false, errors: out.errors.slice(0, MAX_ERRORS) };

  const websiteUrl = keepLink(doc.websiteUrl, "websiteUrl", out);
  const repositoryUrl = keepLink(doc.repository?.url, "repository.url", out);
  const iconUrl = keepLink(doc.icons?.[0]?.src, "icons[0].src", out);

  const title = doc.title === undefined ? "" : cleanLine(doc.title);
  const description = cleanDescription(doc.description);

  return {
    ok: true,
    server: {
      registryName: doc.name,
      slug: slugFromServerName(doc.name),
      name: title !== "" ? title : cleanLine(doc.name),
      description,
      version: cleanLine(doc.version, 255),
      websiteUrl,
      repositoryUrl,
      iconUrl,
      versions,
      warnings: out.warnings,
    },
  };
}
