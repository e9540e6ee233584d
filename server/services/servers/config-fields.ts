import { z } from "zod";
import { open, seal } from "../../crypto/envelope";
import { appKeyring } from "../../crypto/keyring";
import { AppError } from "../../errors";

/**
 * A server version's declared configuration (issue 4, "Servers"): each field says where its value
 * goes (an environment variable of a stdio process, a header or URL variable of a remote, an
 * argument), whether it is secret, required, has a default, and whether each user supplies their
 * own value (`perUser`, kept on the Connection) or the publisher sets one value for everyone (kept on
 * the ServerVersion, e.g. a static header). Values are keyed by field name; names are unique within a
 * version. Secret values are only ever stored sealed (AES-256-GCM) and never returned.
 */
export const CONFIG_TARGETS = ["env", "header", "url-variable", "argument"] as const;
export type ConfigTarget = (typeof CONFIG_TARGETS)[number];

export type ConfigField = {
  name: string;
  label: string;
  description: string;
  secret: boolean;
  required: boolean;
  default: string | null;
  choices: string[] | null;
  target: ConfigTarget;
  /** true: each user's connection supplies it; false: the publisher sets it once on the version */
  perUser: boolean;
};

export type ConfigValues = Record<string, string>;

export const MAX_CONFIG_FIELDS = 50;
export const MAX_CONFIG_VALUE_LENGTH = 8192;

/** Environment variables a catalog entry may never set for a spawned process. */
export const DENIED_ENV_NAMES: ReadonlySet<string> = new Set([
  "PATH",
  "LD_PRELOAD",
  "LD_LIBRARY_PATH",
  "NODE_OPTIONS",
  "NODE_PATH",
  "DYLD_INSERT_LIBRARIES",
  "HOME",
  "SHELL",
  // These silently weaken TLS or redirect what `npx` installs.
  "NODE_TLS_REJECT_UNAUTHORIZED",
  "NODE_EXTRA_CA_CERTS",
  // These swap the CA bundle OpenSSL, Python's requests and curl trust.
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  // These route the package download and the server's own traffic through a proxy of the entry's
  // choosing. Lower-case forms (http_proxy, npm_config_registry…) already fail ENV_NAME_RE.
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "NO_PROXY",
]);
/**
 * Whole families that change how the loader, the interpreters or the package managers behave
 * (LD_AUDIT, DYLD_*, NPM_CONFIG_REGISTRY, UV_INDEX_URL, PIP_INDEX_URL, PYTHONHOME, PYTHON_*…):
 * `npx` and `uvx` are default templates: where they install from and what they trust stay the defaults.
 */
const DENIED_ENV_PREFIXES = [
  "LD_",
  "DYLD_",
  "NPM_CONFIG_",
  "UV_",
  "PIP_",
  "PYTHON",
  "BUN_",
  "DENO_",
  "GATEHOUSE_",
] as const;

/** Headers the gateway owns on the outbound connection; a catalog entry may not set them. */
export const DENIED_HEADER_NAMES: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "connection",
  "upgrade",
  "keep-alive",
  "expect",
  "te",
  "trailer",
  "proxy-authorization",
  "mcp-session-id",
  "mcp-protocol-version",
  "last-event-id",
  "cookie",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-real-ip",
]);

const ENV_NAME_RE = /^[A-Z_][A-Z0-9_]*$/;
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const URL_VARIABLE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** "--port", "-v", or a bare positional name such as "root" */
const ARGUMENT_NAME_RE = /^(?:-{1,2}[A-Za-z0-9][A-Za-z0-9._-]*|[A-Za-z_][A-Za-z0-9_-]*)$/;
const CONTROL_RE = /\p{Cc}/u;

export function envDenialReason(name: string): string | null {
  if (!ENV_NAME_RE.test(name)) return "must be an upper-case environment variable name (A-Z, 0-9, _)";
  if (DENIED_ENV_NAMES.has(name) || DENIED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix)))
    return `"${name}" cannot be set by a catalog entry`;
  return null;
}

export function headerDenialReason(name: string): string | null {
  if (!HEADER_NAME_RE.test(name)) return "must be a valid HTTP header name";
  if (DENIED_HEADER_NAMES.has(name.toLowerCase()))
    return `"${name}" is managed by the gateway and cannot be configured`;
  return null;
}

/** Why `name` cannot be used for a field with `target`, or null. */
export function fieldNameDenialReason(target: ConfigTarget, name: string): string | null {
  switch (target) {
    case "env":
      return envDenialReason(name);
    case "header":
      return headerDenialReason(name);
    case "url-variable":
      return URL_VARIABLE_NAME_RE.test(name) ? null : "may only contain letters, digits, '_' and '-'";
    case "argument":
      return ARGUMENT_NAME_RE.test(name) ? null : 'must be a flag such as "--port" or a positional name';
  }
}

/** An argument field named like a flag is passed as `--flag value`; any other name is positional. */
export function isNamedArgument(field: Pick<ConfigField, "name">): boolean {
  return field.name.startsWith("-");
}

/**
 * The per-user URL variables in the host part of `url` that take any value a user types (no list of
 * choices): through them each user decides which host the gateway dials. The authority is read up
 * to the first "/", "?" or "#", a superset of what URL parsing takes as host and port.
 */
export function userChosenHostVariables(url: string, fields: readonly ConfigField[]): string[] {
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(url)?.[1] ?? "";
  return fields
    .filter(
      (field) =>
        field.target === "url-variable" &&
        field.perUser &&
        field.choices === null &&
        authority.includes(`{${field.name}}`),
    )
    .map((field) => field.name);
}

/** Names of the shared secret fields: one value the publisher set, sent on every user's behalf. */
export function sharedSecretFieldNames(fields: readonly ConfigField[]): string[] {
  return fields.filter((field) => field.secret && !field.perUser).map((field) => field.name);
}

const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !CONTROL_RE.test(value.replace(/[\n\t]/g, "")), "must not contain control characters");

export const CONFIG_FIELD_SCHEMA = z
  .object({
    name: z.string().trim().min(1).max(200),
    label: text(200).trim().min(1),
    description: text(2000).default(""),
    secret: z.boolean().default(false),
    required: z.boolean().default(false),
    default: text(MAX_CONFIG_VALUE_LENGTH).nullable().default(null),
    choices: z.array(text(500)).min(1).max(200).nullable().default(null),
    target: z.enum(CONFIG_TARGETS),
    perUser: z.boolean().default(true),
  })
  .strict()
  .superRefine((field, ctx) => {
    const reason = fieldNameDenialReason(field.target, field.name);
    if (reason !== null) ctx.addIssue({ code: "custom", path: ["name"], message: reason });
    if (field.secret && field.default !== null)
      ctx.addIssue({ code: "custom", path: ["default"], message: "a secret field cannot have a default" });
    if (field.choices !== null && field.default !== null && !field.choices.includes(field.default))
      ctx.addIssue({ code: "custom", path: ["default"], message: "must be one of the choices" });
  });

/** A version's whole configuration schema: at most 50 fields, names unique (case-insensitive). */
export const CONFIG_SCHEMA = z
  .array(CONFIG_FIELD_SCHEMA)
  .max(MAX_CONFIG_FIELDS)
  .superRefine((fields, ctx) => {
    const seen = new Set<string>();
    fields.forEach((field, index) => {
      const key = field.name.toLowerCase();
      if (seen.has(key))
        ctx.addIssue({ code: "custom", path: [index, "name"], message: `duplicate field "${field.name}"` });
      seen.add(key);
    });
  });

/** Reads a stored configSchema (Json column) back; anything malformed yields no fields. */
export function readConfigSchema(value: unknown): ConfigField[] {
  const parsed = CONFIG_SCHEMA.safeParse(value);
  return parsed.success ? parsed.data : [];
}

export type CheckedValues = { plain: ConfigValues; secret: ConfigValues };

/**
 * Checks values for the fields of one side (`perUser` true: a connection's; false: the publisher's
 * shared values) and splits them into plain and secret. Unknown names are refused (no mass
 * assignment); an empty string means "not set". `keepSecrets` lists secret fields that already have
 * a stored value, so an edit form may leave them blank without failing the required check.
 * Throws BAD_REQUEST with `details.fieldErrors` naming each problem.
 */
export function checkConfigValues(
  fields: readonly ConfigField[],
  values: Readonly<Record<string, unknown>>,
  options: { perUser: boolean; keepSecrets?: ReadonlySet<string> },
): CheckedValues {
  const side = fields.filter((field) => field.perUser === options.perUser);
  const byName = new Map(side.map((field) => [field.name, field]));
  const fieldErrors: Record<string, string[]> = {};
  const fail = (name: string, message: string) => {
    fieldErrors[name] = [...(fieldErrors[name] ?? []), message];
  };
  for (const name of Object.keys(values)) {
    if (!byName.has(name)) fail(name, "is not a configuration field of this server");
  }
  const plain: ConfigValues = {};
  const secret: ConfigValues = {};
  for (const field of side) {
    const raw = Object.hasOwn(values, field.name) ? values[field.name] : undefined;
    if (raw !== undefined && raw !== null && typeof raw !== "string") {
      fail(field.name, "must be text");
      continue;
    }
    const value = raw ?? "";
    if (value === "") {
      const kept = field.secret && options.keepSecrets?.has(field.name);
      if (field.required && field.default === null && !kept) fail(field.name, `${field.label} is required`);
      continue;
    }
    if (value.length > MAX_CONFIG_VALUE_LENGTH) fail(field.name, "is too long");
    else if (CONTROL_RE.test(value)) fail(field.name, "must not contain control characters");
    else if (field.choices !== null && !field.choices.includes(value))
      fail(field.name, `must be one of ${field.choices.join(", ")}`);
    else (field.secret ? secret : plain)[field.name] = value;
  }
  if (Object.keys(fieldErrors).length > 0) {
    throw new AppError("BAD_REQUEST", "Some configuration values are not valid.", {
      details: { fieldErrors },
    });
  }
  return { plain, secret };
}

/** Names of required fields on one side that have neither a value nor a default. */
export function missingRequired(
  fields: readonly ConfigField[],
  perUser: boolean,
  present: ReadonlySet<string>,
): string[] {
  return fields
    .filter((f) => f.perUser === perUser && f.required && f.default === null && !present.has(f.name))
    .map((f) => f.name);
}

/** Secret values at rest: one sealed JSON object per row, bound to that row by `context`. */
export function sealSecrets(values: ConfigValues, context: string): Uint8Array<ArrayBuffer> | null {
  if (Object.keys(values).length === 0) return null;
  return new Uint8Array(seal(appKeyring(), JSON.stringify(values), context));
}

export function openSecrets(envelope: Uint8Array | null, context: string): ConfigValues {
  if (envelope === null) return {};
  const parsed = z
    .record(z.string(), z.string())
    .safeParse(JSON.parse(open(appKeyring(), envelope, context).toString("utf8")));
  return parsed.success ? parsed.data : {};
}

/** The AAD contexts, in one place so a sealed value cannot be moved between rows or columns. */
export const secretContext = {
  connection: (connectionId: string) => `connection:${connectionId}:secrets`,
  serverVersion: (serverVersionId: string) => `server-version:${serverVersionId}:shared-secrets`,
};
