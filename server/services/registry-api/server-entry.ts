import { cleanLine } from "../catalog/parse-server-json";
import { connectionUrl } from "../connections/connection-url";
import type { CallerConnection, CatalogServer, CatalogVersion } from "./caller-catalog";

/**
 * One entry of the MCP Registry API (v0.1): `{ server: <server.json>, _meta }`, shaped after the
 * official OpenAPI document (modelcontextprotocol/registry, docs/reference/api/openapi.yaml,
 * ServerResponse / ServerDetail) and server.json schema 2025-12-11.
 *
 * What Gatehouse puts in it:
 * - `remotes`: the caller's own per-user connection URLs, one streamable-http remote per connection
 *   (the gateway speaks streamable HTTP to agents whatever the upstream's transport). Each needs the
 *   caller's credential in `Authorization`. Upstream URLs, stdio commands, shared configuration and
 *   secrets are never part of an entry; neither are `packages` (the gateway runs them, not clients).
 * - No connection yet: no `remotes`, and `_meta["io.gatehouse/connect"].url` points at the page
 *   where the user connects the server.
 * - `_meta["io.modelcontextprotocol.registry/official"]`: status "active" for the approved version,
 *   "deprecated" for versions approved before it; publishedAt = when the version was approved.
 */
export const SERVER_SCHEMA_URL =
  "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";
export const OFFICIAL_META_KEY = "io.modelcontextprotocol.registry/official";
export const CONNECT_META_KEY = "io.gatehouse/connect";
/** The catalog page of a server, where a user connects it. */
export const CONNECT_PAGE_PATH = "/catalog/";

// server.json limits (ServerDetail): description and title 1–100 characters, icon src ≤ 255.
const MAX_DESCRIPTION = 100;
const MAX_TITLE = 100;
const MAX_ICON_URL = 255;

export type RegistryInput = {
  description?: string;
  isRequired?: boolean;
  isSecret?: boolean;
};

export type RegistryRemote = {
  type: "streamable-http";
  url: string;
  headers: (RegistryInput & { name: string; value?: string; variables?: Record<string, RegistryInput> })[];
};

export type RegistryServerJson = {
  $schema: string;
  name: string;
  description: string;
  title?: string;
  version: string;
  websiteUrl?: string;
  repository?: { url: string; source: string };
  icons?: { src: string }[];
  remotes?: RegistryRemote[];
};

export type RegistryServerResponse = {
  server: RegistryServerJson;
  _meta: {
    [OFFICIAL_META_KEY]: {
      status: "active" | "deprecated";
      publishedAt: string;
      updatedAt: string;
      isLatest: boolean;
    };
    [CONNECT_META_KEY]?: { url: string };
  };
};

export type RegistryServerList = {
  servers: RegistryServerResponse[];
  metadata: { nextCursor?: string; count: number };
};

function codePoints(text: string): string[] {
  return Array.from(text);
}

function truncate(text: string, max: number): string {
  const chars = codePoints(text);
  if (chars.length <= max) return text;
  return `${chars
    .slice(0, max - 1)
    .join("")
    .trimEnd()}…`;
}

/**
 * Markdown to one line of plain text: link and image syntax keeps its text, emphasis, heading,
 * quote, list and code markers go, tags are dropped, and controls and invisible formatting
 * characters are removed (cleanLine). Clients render it as text either way.
 */
export function plainText(markdown: string): string {
  const text = markdown
    .replace(/^\s{0,3}(```|~~~).*$/gm, " ")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, "$1")
    .replace(/<(https?:[^>\s]+)>/g, "$1")
    .replace(/<\/?[A-Za-z][^>]*>/g, " ")
    .replace(/^\s{0,3}#{1,6}\s+/gm, "")
    .replace(/^\s{0,3}>\s?/gm, "")
    .replace(/^\s*(?:[-*+]|\d{1,9}[.)])\s+/gm, "")
    .replace(/(\*\*|__|~~|`)/g, "")
    .replace(/(^|[^\p{L}\p{N}])[*_]([^*_\n]+)[*_](?=[^\p{L}\p{N}]|$)/gu, "$1$2");
  return cleanLine(text, 10_000);
}

export function isHttpUrl(value: string | null | undefined, httpsOnly = false): value is string {
  if (!value) return false;
  try {
    const url = new URL(value);
    if (url.hostname === "" || url.username !== "" || url.password !== "") return false;
    return url.protocol === "https:" || (!httpsOnly && url.protocol === "http:");
  } catch {
    return false;
  }
}

const FORGES: Record<string, string> = {
  "github.com": "github",
  "www.github.com": "github",
  "gitlab.com": "gitlab",
  "bitbucket.org": "bitbucket",
};

/** `source` is required by the schema: a known forge's id, otherwise the repository's host name. */
function repositoryOf(url: string | null): RegistryServerJson["repository"] {
  if (!isHttpUrl(url)) return undefined;
  const host = new URL(url).hostname.toLowerCase();
  return { url, source: FORGES[host] ?? host };
}

export function descriptionOf(
  server: Pick<CatalogServer, "description" | "name" | "registryApiName">,
): string {
  const description = plainText(server.description);
  if (description !== "") return truncate(description, MAX_DESCRIPTION);
  // The schema requires a non-empty description; the title says at least what the server is.
  const title = cleanLine(server.name);
  return truncate(title !== "" ? title : server.registryApiName, MAX_DESCRIPTION);
}

function remoteOf(connection: CallerConnection, publicUrl: string): RegistryRemote {
  return {
    type: "streamable-http",
    url: connectionUrl(connection.publicId, publicUrl),
    headers: [
      {
        name: "Authorization",
        description:
          "Your Gatehouse credential: a personal API token (gh_…) from the Tokens page, sent as a bearer token.",
        isRequired: true,
        isSecret: true,
        value: "Bearer {token}",
        variables: {
          token: {
            description: "A Gatehouse personal API token (gh_…) allowed to use this connection.",
            isRequired: true,
            isSecret: true,
          },
        },
      },
    ],
  };
}

function publishedAtOf(version: CatalogVersion): Date {
  return version.reviewedAt ?? version.createdAt;
}

export function buildServerEntry(options: {
  server: CatalogServer;
  version: CatalogVersion;
  /** the caller's connections to this server */
  connections: CallerConnection[];
  publicUrl: string;
}): RegistryServerResponse {
  const { server, version } = options;
  const isLatest = version.id === server.approvedVersionId;
  // The approved version's entry carries every connection (each keeps working on its pinned version
  // until it is moved); an older version's entry only the connections still on that version.
  const connections = isLatest
    ? options.connections
    : options.connections.filter((connection) => connection.serverVersionId === version.id);

  const title = truncate(cleanLine(server.name), MAX_TITLE);
  const repository = repositoryOf(server.repositoryUrl);
  const icon =
    isHttpUrl(server.iconUrl, true) && server.iconUrl.length <= MAX_ICON_URL ? server.iconUrl : null;
  const json: RegistryServerJson = {
    $schema: SERVER_SCHEMA_URL,
    name: server.registryApiName,
    description: descriptionOf(server),
    ...(title !== "" && { title }),
    version: version.version,
    ...(isHttpUrl(server.websiteUrl) && { websiteUrl: server.websiteUrl }),
    ...(repository && { repository }),
    ...(icon && { icons: [{ src: icon }] }),
    ...(connections.length > 0 && {
      remotes: connections.map((connection) => remoteOf(connection, options.publicUrl)),
    }),
  };

  const publishedAt = publishedAtOf(version);
  const updatedAt = entryUpdatedAt(server, version);
  const connectPage = `${options.publicUrl.replace(/\/+$/, "")}${CONNECT_PAGE_PATH}${encodeURIComponent(server.slug)}`;
  return {
    server: json,
    _meta: {
      [OFFICIAL_META_KEY]: {
        status: isLatest ? "active" : "deprecated",
        publishedAt: publishedAt.toISOString(),
        updatedAt: updatedAt.toISOString(),
        isLatest,
      },
      ...(connections.length === 0 && { [CONNECT_META_KEY]: { url: connectPage } }),
    },
  };
}

/** When the entry last changed, for `updated_since`. */
export function entryUpdatedAt(server: CatalogServer, version: CatalogVersion): Date {
  const publishedAt = publishedAtOf(version);
  return new Date(Math.max(server.updatedAt.getTime(), publishedAt.getTime()));
}
