import type { Db } from "../../db";
import { createGuardedFetch, OutboundRefusedError } from "../../security/guarded-fetch";
import {
  cleanLine,
  type ImportedServer,
  type ParseServerJsonResult,
  parseServerJson,
} from "../catalog/parse-server-json";
import { getOutboundPolicy, policyForRequester } from "../settings/outbound-policy";
import { isServerAdmin, type ServerActor } from "./server-actor";
import { canonicalServerSlug, freeServerSlug, RESERVED_SLUGS } from "./server-metadata";

/**
 * Reading an MCP Registry `server.json` (schema 2025-12-11) for import, pasted/uploaded or fetched
 * from a URL. The fetch goes through the SSRF guard (redirects re-checked), gives up after 10 s and
 * reads at most 256 KiB. Every problem (network, size, JSON syntax, schema) comes back as a list of
 * errors a person can act on rather than as an exception.
 */
export const MAX_IMPORT_BYTES = 256 * 1024;
export const IMPORT_FETCH_TIMEOUT_MS = 10_000;

export type ImportSource = { document: string } | { url: string };

export type ImportPreview =
  | {
      ok: true;
      /** the parsed entry; `versions` are the importable variants (pick one by index) */
      server: ImportedServer;
      /** the slug the import would get (the document's, or with a -2, -3 … suffix when taken) */
      suggestedSlug: string;
      /** set when a server with this registry name is already in the catalog */
      alreadyImported: boolean;
    }
  | { ok: false; errors: string[] };

function parseText(text: string): ParseServerJsonResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? cleanLine(error.message, 200) : "unreadable";
    return { ok: false, errors: [`The document is not valid JSON (${detail}).`] };
  }
  return parseServerJson(json);
}

async function readCapped(response: Response): Promise<string | null> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_IMPORT_BYTES) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function fetchDocument(
  db: Db,
  rawUrl: string,
  requester: ServerActor,
): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  const policy = policyForRequester(await getOutboundPolicy(db), { isAdmin: isServerAdmin(requester) });
  const fetch = createGuardedFetch(policy);
  try {
    const response = await fetch(rawUrl.trim(), {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(IMPORT_FETCH_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return {
        ok: false,
        error: `The URL answered HTTP ${response.status}; expected a server.json document.`,
      };
    }
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > MAX_IMPORT_BYTES) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: false, error: "The document is larger than 256 KiB." };
    }
    const text = await readCapped(response);
    if (text === null) return { ok: false, error: "The document is larger than 256 KiB." };
    return { ok: true, text };
  } catch (error) {
    if (error instanceof OutboundRefusedError)
      return { ok: false, error: `The URL is refused: ${error.reason}.` };
    const name = error instanceof Error ? error.name : "";
    if (name === "TimeoutError" || name === "AbortError")
      return { ok: false, error: `The URL did not answer within ${IMPORT_FETCH_TIMEOUT_MS / 1000} seconds.` };
    let cause: unknown = error;
    while (cause instanceof Error && cause.cause) cause = cause.cause;
    if (cause instanceof OutboundRefusedError)
      return { ok: false, error: `The URL is refused: ${cause.reason}.` };
    const detail = cause instanceof Error ? cleanLine(cause.message, 200) : "unknown error";
    return { ok: false, error: `The URL could not be fetched (${detail}).` };
  }
}

/** Reads and parses a server.json from text or a URL (fetched with what `requester` may reach). */
export async function loadServerJson(
  db: Db,
  source: ImportSource,
  requester: ServerActor,
): Promise<ParseServerJsonResult> {
  if ("document" in source) {
    if (Buffer.byteLength(source.document) > MAX_IMPORT_BYTES)
      return { ok: false, errors: ["The document is larger than 256 KiB."] };
    return parseText(source.document);
  }
  const fetched = await fetchDocument(db, source.url, requester);
  if (!fetched.ok) return { ok: false, errors: [fetched.error] };
  return parseText(fetched.text);
}

/** The slug an import starts from: the document's, never a reserved one. */
export function importBaseSlug(server: ImportedServer): string {
  const slug = canonicalServerSlug(server.slug) ?? "server";
  return RESERVED_SLUGS.has(slug) ? `${slug}-server` : slug;
}

/** What an import would create, without creating anything. */
export async function previewImport(options: {
  db: Db;
  actor: ServerActor;
  source: ImportSource;
}): Promise<ImportPreview> {
  const parsed = await loadServerJson(options.db, options.source, options.actor);
  if (!parsed.ok) return parsed;
  const [suggestedSlug, existing] = await Promise.all([
    freeServerSlug(options.db, importBaseSlug(parsed.server)),
    options.db.server.findUnique({
      where: { registryName: parsed.server.registryName },
      select: { id: true },
    }),
  ]);
  return { ok: true, server: parsed.server, suggestedSlug, alreadyImported: existing !== null };
}
