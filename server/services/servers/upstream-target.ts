import type { ConfigField, ConfigValues } from "./config-fields";

/**
 * Where a remote version is actually reached: its URL with `{variable}` placeholders filled from
 * configuration values, plus the header fields as request headers. Used by discovery (with the
 * publisher's shared values) and later by the proxy (with a connection's values on top). The result
 * still has to pass the SSRF guard: a variable may put any host into the URL.
 */
export const URL_PLACEHOLDER_RE = /\{([^{}]*)\}/g;

export type UpstreamTarget =
  | { ok: true; url: string; headers: Record<string, string> }
  | { ok: false; reason: string };

/** Field values with each field's default where no value is given. */
export function withDefaults(fields: readonly ConfigField[], values: ConfigValues): ConfigValues {
  const out: ConfigValues = {};
  for (const field of fields) {
    const value = values[field.name];
    if (value !== undefined && value !== "") out[field.name] = value;
    else if (field.default !== null) out[field.name] = field.default;
  }
  return out;
}

export function resolveUpstreamTarget(options: {
  url: string;
  fields: readonly ConfigField[];
  values: ConfigValues;
}): UpstreamTarget {
  const values = withDefaults(options.fields, options.values);
  const variables = new Map(
    options.fields.filter((field) => field.target === "url-variable").map((field) => [field.name, field]),
  );
  const missing: string[] = [];
  // Values are percent-encoded, so a value cannot add "/", "@" or "?" and change which host is dialled.
  const url = options.url.replace(URL_PLACEHOLDER_RE, (whole, name: string) => {
    const field = variables.get(name);
    const value = field ? values[name] : undefined;
    if (value === undefined) {
      missing.push(field ? `${field.label} ({${name}})` : `{${name}}`);
      return whole;
    }
    return encodeURIComponent(value);
  });
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `The URL needs ${missing.join(", ")}, which ${missing.length === 1 ? "has" : "have"} no value here (each user supplies ${missing.length === 1 ? "it" : "them"} when connecting).`,
    };
  }
  const headers: Record<string, string> = {};
  for (const field of options.fields) {
    if (field.target !== "header") continue;
    const value = values[field.name];
    if (value !== undefined) headers[field.name] = value;
  }
  return { ok: true, url, headers };
}
