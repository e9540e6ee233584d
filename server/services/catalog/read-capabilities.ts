import { displayLine, displayText } from "./display-text";

/**
 * The tools, prompts and resources a health check cached on a ServerVersion (`capabilities` JSON,
 * written from what the upstream answered). The upstream is not trusted: malformed entries are
 * skipped rather than failing the page, lists and texts are capped, and every text is cleaned for
 * display. Tool names are kept raw in `name` because the registry allow-lists match them exactly.
 */

const MAX_ITEMS = 1000;
const MAX_ITEM_DESCRIPTION = 8000;
const MAX_SCHEMA_JSON = 50_000;
const MAX_PARAMETERS = 200;

export type CatalogTool = {
  name: string;
  title: string | null;
  description: string;
  inputSchema: unknown;
};
export type CatalogPrompt = {
  name: string;
  title: string | null;
  description: string;
  arguments: { name: string; description: string; required: boolean }[];
};
export type CatalogResource = { uri: string; name: string; description: string; mimeType: string | null };

export type Capabilities = {
  tools: CatalogTool[];
  prompts: CatalogPrompt[];
  resources: CatalogResource[];
};

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function items(value: unknown): unknown[] {
  return Array.isArray(value) ? value.slice(0, MAX_ITEMS) : [];
}

/** null when nothing was discovered yet (no capabilities stored). */
export function readCapabilities(value: unknown): Capabilities | null {
  if (!isObject(value)) return null;
  const tools: CatalogTool[] = [];
  for (const item of items(value.tools)) {
    if (!isObject(item)) continue;
    const name = text(item.name);
    if (!name) continue;
    tools.push({
      name,
      title: optionalLine(item.title),
      description: displayText(text(item.description) ?? "", MAX_ITEM_DESCRIPTION),
      inputSchema: item.inputSchema ?? null,
    });
  }
  const prompts: CatalogPrompt[] = [];
  for (const item of items(value.prompts)) {
    if (!isObject(item)) continue;
    const name = text(item.name);
    if (!name) continue;
    prompts.push({
      name: displayLine(name),
      title: optionalLine(item.title),
      description: displayText(text(item.description) ?? "", MAX_ITEM_DESCRIPTION),
      arguments: uniqueBy(
        items(item.arguments)
          .filter(isObject)
          .flatMap((argument) => {
            const argumentName = text(argument.name);
            if (!argumentName) return [];
            return [
              {
                name: displayLine(argumentName),
                description: displayText(text(argument.description) ?? "", MAX_ITEM_DESCRIPTION),
                required: argument.required === true,
              },
            ];
          }),
        (argument) => argument.name,
      ),
    });
  }
  const resources: CatalogResource[] = [];
  for (const item of items(value.resources)) {
    if (!isObject(item)) continue;
    const uri = text(item.uri);
    if (!uri) continue;
    resources.push({
      // A URI is only ever shown as text, never as a link: it may use any scheme.
      uri: displayLine(uri, 2000),
      name: displayLine(text(item.name) ?? uri),
      description: displayText(text(item.description) ?? "", MAX_ITEM_DESCRIPTION),
      mimeType: optionalLine(item.mimeType),
    });
  }
  // MCP names are unique per server; a hostile upstream's repeats (or names that only differ in
  // invisible characters) are shown once.
  return {
    tools: uniqueBy(tools, (tool) => tool.name),
    prompts: uniqueBy(prompts, (prompt) => prompt.name),
    resources: uniqueBy(resources, (resource) => resource.uri),
  };
}

/** The first item for each key, in order. */
export function uniqueBy<T>(list: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return list.filter((item) => {
    const value = key(item);
    if (seen.has(value)) return false;
    seen.add(value);
    return true;
  });
}

function optionalLine(value: unknown): string | null {
  const line = typeof value === "string" ? displayLine(value) : "";
  return line === "" ? null : line;
}

export type ToolParameter = { name: string; type: string; required: boolean; description: string };

/** The top-level parameters of a tool's JSON Schema (`properties`), for a table. */
export function toolParameters(inputSchema: unknown): ToolParameter[] {
  if (!isObject(inputSchema) || !isObject(inputSchema.properties)) return [];
  const required = new Set(
    Array.isArray(inputSchema.required) ? inputSchema.required.filter((n) => typeof n === "string") : [],
  );
  const parameters = Object.entries(inputSchema.properties)
    .slice(0, MAX_PARAMETERS)
    .map(([name, schema]) => ({
      name: displayLine(name),
      type: schemaType(schema),
      required: required.has(name),
      description: isObject(schema) ? displayText(text(schema.description) ?? "", 2000) : "",
    }));
  return uniqueBy(parameters, (parameter) => parameter.name);
}

function schemaType(schema: unknown, depth = 0): string {
  if (!isObject(schema) || depth > 3) return "any";
  const { type } = schema;
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.slice(0, 8).map((value) => displayLine(JSON.stringify(value) ?? "null", 60));
    return `enum: ${values.join(" | ")}${schema.enum.length > 8 ? " | …" : ""}`;
  }
  if (type === "array") return `array of ${schemaType(schema.items, depth + 1)}`;
  if (typeof type === "string") return displayLine(type, 40);
  if (Array.isArray(type))
    return type
      .filter((t) => typeof t === "string")
      .map((t) => displayLine(t, 40))
      .join(" | ");
  const union = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
      ? schema.oneOf
      : null;
  if (union)
    return union
      .slice(0, 6)
      .map((member) => schemaType(member, depth + 1))
      .join(" | ");
  if (schema.const !== undefined) return displayLine(JSON.stringify(schema.const) ?? "any", 60);
  return "any";
}

// Bidi, zero-width and other invisible characters (and controls JSON leaves raw) become \u escapes:
// the JSON stays valid and equal, and what it contains becomes visible.
const INVISIBLE_RE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/** The schema as indented JSON for a <pre>, with invisible characters escaped; capped in size. */
export function schemaJson(inputSchema: unknown): string | null {
  if (inputSchema === null || inputSchema === undefined) return null;
  let json: string | undefined;
  try {
    json = JSON.stringify(inputSchema, null, 2);
  } catch {
    return null;
  }
  if (json === undefined) return null;
  const escaped = json.replace(INVISIBLE_RE, (char) => (char === "\n" ? char : jsonEscape(char)));
  return escaped.length > MAX_SCHEMA_JSON ? `${escaped.slice(0, MAX_SCHEMA_JSON)}\n… (truncated)` : escaped;
}

/** "\u202e"; a character beyond the BMP becomes its surrogate pair, as JSON requires. */
function jsonEscape(char: string): string {
  let escaped = "";
  for (let i = 0; i < char.length; i++) escaped += `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return escaped;
}
