import { z } from "zod";
import { cleanDescription, cleanLine } from "../catalog/parse-server-json";

/**
 * What discovery stores on a ServerVersion (`capabilities`): the upstream's tools, prompts and
 * resources, cleaned before they are stored. Upstream text is hostile input (X4): names and
 * descriptions lose control, bidi and zero-width characters, and every list and schema is capped so
 * one upstream cannot fill the database or a page. `lastError` is the most recent failed discovery of
 * a version that is not the approved one (the approved version's failures go to Server.healthError).
 */
export const MAX_ITEMS_PER_KIND = 500;
const MAX_SCHEMA_BYTES = 32 * 1024;
const MAX_TEXT = 5000;

export type ToolInfo = { name: string; title: string | null; description: string; inputSchema: unknown };
export type PromptInfo = {
  name: string;
  title: string | null;
  description: string;
  arguments: { name: string; description: string; required: boolean }[];
};
export type ResourceInfo = { uri: string; name: string; description: string; mimeType: string | null };

export type StoredCapabilities = {
  tools: ToolInfo[];
  prompts: PromptInfo[];
  resources: ResourceInfo[];
  serverInfo: { name: string; version: string } | null;
  protocolVersion: string | null;
  lastError?: { message: string; at: string } | null;
};

type RawCapabilities = {
  tools: { name: string; title?: string; description?: string; inputSchema?: unknown }[];
  prompts: { name: string; title?: string; description?: string; arguments?: unknown }[];
  resources: { uri: string; name: string; description?: string; mimeType?: string }[];
  serverInfo?: { name: string; version: string };
  protocolVersion?: string;
};

function optionalLine(value: string | undefined, max = 200): string | null {
  if (value === undefined) return null;
  const cleaned = cleanLine(value, max);
  return cleaned === "" ? null : cleaned;
}

/** An input schema is shown as JSON text; an oversized one is replaced by a marker. */
function cappedSchema(schema: unknown): unknown {
  if (schema === undefined) return null;
  try {
    const text = JSON.stringify(schema);
    if (text === undefined) return null;
    return Buffer.byteLength(text) > MAX_SCHEMA_BYTES ? { truncated: true } : JSON.parse(text);
  } catch {
    return null;
  }
}

const PROMPT_ARGUMENTS = z.array(
  z.object({ name: z.string(), description: z.string().optional(), required: z.boolean().optional() }),
);

function promptArguments(value: unknown): PromptInfo["arguments"] {
  const parsed = PROMPT_ARGUMENTS.safeParse(value ?? []);
  if (!parsed.success) return [];
  return parsed.data.slice(0, 100).map((arg) => ({
    name: cleanLine(arg.name, 200),
    description: cleanDescription(arg.description ?? "", 2000),
    required: arg.required === true,
  }));
}

export function cleanCapabilities(raw: RawCapabilities): StoredCapabilities {
  return {
    tools: raw.tools.slice(0, MAX_ITEMS_PER_KIND).map((tool) => ({
      name: cleanLine(tool.name, 200),
      title: optionalLine(tool.title),
      description: cleanDescription(tool.description ?? "", MAX_TEXT),
      inputSchema: cappedSchema(tool.inputSchema),
    })),
    prompts: raw.prompts.slice(0, MAX_ITEMS_PER_KIND).map((prompt) => ({
      name: cleanLine(prompt.name, 200),
      title: optionalLine(prompt.title),
      description: cleanDescription(prompt.description ?? "", MAX_TEXT),
      arguments: promptArguments(prompt.arguments),
    })),
    resources: raw.resources.slice(0, MAX_ITEMS_PER_KIND).map((resource) => ({
      uri: cleanLine(resource.uri, 2000),
      name: cleanLine(resource.name, 200),
      description: cleanDescription(resource.description ?? "", MAX_TEXT),
      mimeType: optionalLine(resource.mimeType, 200),
    })),
    serverInfo: raw.serverInfo
      ? { name: cleanLine(raw.serverInfo.name, 200), version: cleanLine(raw.serverInfo.version, 100) }
      : null,
    protocolVersion: optionalLine(raw.protocolVersion, 50),
    lastError: null,
  };
}

const STORED = z.object({
  tools: z.array(z.any()).default([]),
  prompts: z.array(z.any()).default([]),
  resources: z.array(z.any()).default([]),
  serverInfo: z.object({ name: z.string(), version: z.string() }).nullish(),
  protocolVersion: z.string().nullish(),
  lastError: z.object({ message: z.string(), at: z.string() }).nullish(),
});

/** Reads the Json column back; anything unreadable counts as "not discovered yet". */
export function readCapabilities(value: unknown): StoredCapabilities | null {
  if (value === null || value === undefined) return null;
  const parsed = STORED.safeParse(value);
  if (!parsed.success) return null;
  return {
    tools: parsed.data.tools as ToolInfo[],
    prompts: parsed.data.prompts as PromptInfo[],
    resources: parsed.data.resources as ResourceInfo[],
    serverInfo: parsed.data.serverInfo ?? null,
    protocolVersion: parsed.data.protocolVersion ?? null,
    lastError: parsed.data.lastError ?? null,
  };
}

/** Keeps what was discovered before and records why the latest attempt failed. */
export function withDiscoveryError(previous: unknown, message: string, at: Date): StoredCapabilities {
  const base = readCapabilities(previous) ?? {
    tools: [],
    prompts: [],
    resources: [],
    serverInfo: null,
    protocolVersion: null,
  };
  return { ...base, lastError: { message, at: at.toISOString() } };
}
