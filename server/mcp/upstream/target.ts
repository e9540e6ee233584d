import {
  buildUpstreamUrl,
  readStoredValues,
  sharedValuesOf,
} from "../../services/connections/connection-config";
import {
  type ConfigField,
  type ConfigValues,
  envDenialReason,
  headerDenialReason,
  isNamedArgument,
  openSecrets,
  readConfigSchema,
  secretContext,
  sharedSecretFieldNames,
  userChosenHostVariables,
} from "../../services/servers/config-fields";
import type { ConnectionRow } from "../policy";

/**
 * What this connection dials: the version's URL with the URL variables filled from the user's and
 * the publisher's values (the same function the connect-time SSRF check uses, so the URL checked then
 * is the URL dialled now), and the header fields as request headers. Secrets are opened here, on the
 * request path; the opened target lives only in memory, as long as the cached connection row it was
 * built from (handler.ts; a changed connection moves an access epoch and drops both), and never
 * leaves the outbound request.
 */
export type UpstreamTarget = {
  /** "" for stdio servers */
  url: string;
  headers: Record<string, string>;
  /** stdio: the env fields (name → value), added to the process's scrubbed environment */
  env: Record<string, string>;
  /** stdio: the argument fields, appended to the version's argv ("--flag value" or positional) */
  args: string[];
  /** stdio: `args` with the values of secret fields replaced, for logs and audit rows */
  shownArgs: string[];
};

/** What a secret argument's value is shown as in logs and audit rows. */
export const HIDDEN_ARGUMENT = "[secret]";

const HEADER_VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * What a stdio version's configuration adds to its launch: env fields (names re-checked here too, so
 * a stored row can never set PATH, LD_PRELOAD, NODE_OPTIONS, …) and argument fields appended to argv
 * ("--flag value", or positional). Shared by the proxy's sessions and the worker's discovery.
 */
export function stdioLaunchOf(
  fields: readonly ConfigField[],
  valueFor: (field: ConfigField) => string | null | undefined,
): { env: Record<string, string>; args: string[]; shownArgs: string[] } {
  const env: Record<string, string> = {};
  const args: string[] = [];
  const shownArgs: string[] = [];
  for (const field of fields) {
    const value = valueFor(field);
    if (value === undefined || value === null || value === "") continue;
    if (field.target === "env" && envDenialReason(field.name) === null) env[field.name] = value;
    if (field.target === "argument") {
      const shown = field.secret ? HIDDEN_ARGUMENT : value;
      if (isNamedArgument(field)) {
        args.push(field.name, value);
        shownArgs.push(field.name, shown);
      } else {
        args.push(value);
        shownArgs.push(shown);
      }
    }
  }
  return { env, args, shownArgs };
}

export function buildTarget(connection: ConnectionRow): UpstreamTarget | null {
  const version = connection.serverVersion;
  const fields = readConfigSchema(version.configSchema);
  const perUser: ConfigValues = {
    ...readStoredValues(connection.config),
    ...openSecrets(connection.secrets, secretContext.connection(connection.id)),
  };
  const shared = sharedValuesOf(version, fields);
  if (
    version.transport !== "STDIO" &&
    version.url &&
    userChosenHostVariables(version.url, fields).length > 0
  ) {
    // Saving such a version is refused (version-definition.ts); one stored before that rule still
    // lets each user pick the host, so the publisher's secrets are not sent there.
    for (const name of sharedSecretFieldNames(fields)) delete shared[name];
  }
  const fieldValue = (field: (typeof fields)[number]) => {
    const source = field.perUser ? perUser : shared;
    return (Object.hasOwn(source, field.name) ? source[field.name] : undefined) ?? field.default;
  };
  if (version.transport === "STDIO") return { url: "", headers: {}, ...stdioLaunchOf(fields, fieldValue) };
  if (!version.url) return null;
  const url = buildUpstreamUrl({ template: version.url, fields, perUser, shared });
  if (url === null) return null;
  const headers: Record<string, string> = {};
  for (const field of fields) {
    if (field.target !== "header") continue;
    // Checked when the version was saved; checked again so a stored row can never set Host,
    // Cookie, Mcp-Session-Id or a forwarding header on the outbound request.
    if (headerDenialReason(field.name) !== null) continue;
    const value = fieldValue(field);
    if (value === undefined || value === null || value === "" || !HEADER_VALUE_RE.test(value)) continue;
    headers[field.name.toLowerCase()] = value;
  }
  return { url, headers, env: {}, args: [], shownArgs: [] };
}
