import {
  buildUpstreamUrl,
  readStoredValues,
  sharedValuesOf,
} from "../../services/connections/connection-config";
import {
  type ConfigValues,
  headerDenialReason,
  openSecrets,
  readConfigSchema,
  secretContext,
} from "../../services/servers/config-fields";
import type { ConnectionRow } from "../policy";

/**
 * What this connection dials: the version's URL with the URL variables filled from the user's and
 * the publisher's values (the same function the connect-time SSRF check uses, so the URL checked then
 * is the URL dialled now), and the header fields as request headers. Secrets are opened here, on the
 * request path only, and never leave the outbound request.
 */
export type UpstreamTarget = { url: string; headers: Record<string, string> };

const HEADER_VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function buildTarget(connection: ConnectionRow): UpstreamTarget | null {
  const version = connection.serverVersion;
  if (!version.url) return null;
  const fields = readConfigSchema(version.configSchema);
  const perUser: ConfigValues = {
    ...readStoredValues(connection.config),
    ...openSecrets(connection.secrets, secretContext.connection(connection.id)),
  };
  const shared = sharedValuesOf(version, fields);
  const url = buildUpstreamUrl({ template: version.url, fields, perUser, shared });
  if (url === null) return null;
  const headers: Record<string, string> = {};
  for (const field of fields) {
    if (field.target !== "header") continue;
    // Checked when the version was saved; checked again so a stored row can never set Host,
    // Cookie, Mcp-Session-Id or a forwarding header on the outbound request.
    if (headerDenialReason(field.name) !== null) continue;
    const source = field.perUser ? perUser : shared;
    const value = (Object.hasOwn(source, field.name) ? source[field.name] : undefined) ?? field.default;
    if (value === undefined || value === null || value === "" || !HEADER_VALUE_RE.test(value)) continue;
    headers[field.name.toLowerCase()] = value;
  }
  return { url, headers };
}
