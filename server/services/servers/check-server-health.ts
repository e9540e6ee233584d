import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike, Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Db } from "../../db";
import type { Prisma } from "../../db/generated/client";
import { createGuardedFetch, OutboundRefusedError } from "../../security/guarded-fetch";
import { cleanLine } from "../catalog/parse-server-json";
import { getOutboundPolicy } from "../settings/outbound-policy";
import {
  cleanCapabilities,
  STDIO_DISCOVERY_REASON,
  type StoredCapabilities,
  withDiscoveryError,
} from "./capabilities";
import { openSecrets, readConfigSchema, secretContext } from "./config-fields";
import { resolveUpstreamTarget } from "./upstream-target";
import { readSharedConfig } from "./version-definition";

/**
 * Connects to a server version's upstream, lists what it offers (discovery) and, for the approved
 * version, records the server's health. The version's shared configuration is used: header fields
 * become request headers and URL-variable fields fill the URL (which the SSRF guard then checks).
 * Run by the worker (queue "upstream-health"), never on a request path.
 */

const CHECK_TIMEOUT_MS = 10_000;
/** Upper bound on list pages fetched per kind, so a hostile upstream cannot keep us paging forever. */
const MAX_PAGES = 20;
const CLIENT_INFO = { name: "gatehouse-health-check", version: "0.1.0" };

export type DiscoveredCapabilities = {
  tools: { name: string; title?: string; description?: string; inputSchema?: unknown }[];
  prompts: { name: string; title?: string; description?: string; arguments?: unknown }[];
  resources: { uri: string; name: string; description?: string; mimeType?: string }[];
  serverInfo?: { name: string; version: string };
  protocolVersion?: string;
};

export type HealthCheckResult =
  | {
      serverId: string;
      versionId: string;
      status: "HEALTHY";
      latencyMs: number;
      capabilities: StoredCapabilities;
    }
  | { serverId: string; versionId: string; status: "UNHEALTHY"; latencyMs: number; error: string }
  | { serverId: string; versionId?: string; status: "SKIPPED"; reason: string };

export { STDIO_DISCOVERY_REASON };

async function listAll<T>(
  fetchPage: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>,
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await fetchPage(cursor);
    all.push(...result.items);
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return all;
}

export async function discoverCapabilities(transport: Transport): Promise<DiscoveredCapabilities> {
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  const options = { timeout: CHECK_TIMEOUT_MS };
  try {
    await client.connect(transport, options);
    const offered = client.getServerCapabilities() ?? {};
    const tools = offered.tools
      ? await listAll(async (cursor) => {
          const page = await client.listTools(cursor ? { cursor } : undefined, options);
          return { items: page.tools, nextCursor: page.nextCursor };
        })
      : [];
    const prompts = offered.prompts
      ? await listAll(async (cursor) => {
          const page = await client.listPrompts(cursor ? { cursor } : undefined, options);
          return { items: page.prompts, nextCursor: page.nextCursor };
        })
      : [];
    const resources = offered.resources
      ? await listAll(async (cursor) => {
          const page = await client.listResources(cursor ? { cursor } : undefined, options);
          return { items: page.resources, nextCursor: page.nextCursor };
        })
      : [];
    const info = client.getServerVersion();
    return {
      tools: tools.map(({ name, title, description, inputSchema }) => ({
        name,
        title,
        description,
        inputSchema,
      })),
      prompts: prompts.map(({ name, title, description, arguments: args }) => ({
        name,
        title,
        description,
        arguments: args,
      })),
      resources: resources.map(({ uri, name, description, mimeType }) => ({
        uri,
        name,
        description,
        mimeType,
      })),
      serverInfo: info ? { name: info.name, version: info.version } : undefined,
      protocolVersion:
        transport instanceof StreamableHTTPClientTransport ? transport.protocolVersion : undefined,
    };
  } finally {
    await client.close().catch(() => undefined);
  }
}

function describeError(error: unknown): string {
  // The SDK wraps transport failures; surface the guard's reason when it was the cause.
  let cause: unknown = error;
  while (cause instanceof Error && !(cause instanceof OutboundRefusedError) && cause.cause)
    cause = cause.cause;
  const message =
    cause instanceof OutboundRefusedError
      ? cause.message
      : error instanceof Error
        ? error.message
        : String(error);
  // Upstream error text is shown in the UI: one short line without invisible or bidi characters.
  return cleanLine(message, 300);
}

/**
 * Checks one version: `versionId`, or the approved version of an approved server when absent (the
 * periodic check). Capabilities land on the version; health on the server only when the version is
 * the one connections use.
 */
export async function checkServerHealth(options: {
  db: Db;
  serverId: string;
  versionId?: string;
}): Promise<HealthCheckResult> {
  const { db, serverId } = options;
  const server = await db.server.findUnique({
    where: { id: serverId },
    select: { id: true, status: true, approvedVersionId: true },
  });
  if (options.versionId === undefined && (server?.status !== "APPROVED" || !server.approvedVersionId)) {
    return { serverId, status: "SKIPPED", reason: "not an approved server" };
  }
  if (!server) return { serverId, status: "SKIPPED", reason: "no such server" };
  if (server.status === "RETIRED") return { serverId, status: "SKIPPED", reason: "the server is retired" };
  const versionId = options.versionId ?? (server.approvedVersionId as string);
  const version = await db.serverVersion.findFirst({ where: { id: versionId, serverId } });
  if (!version) return { serverId, versionId, status: "SKIPPED", reason: "no such version of this server" };
  if (version.transport === "STDIO" || !version.url) {
    return { serverId, versionId, status: "SKIPPED", reason: STDIO_DISCOVERY_REASON };
  }
  const isApprovedVersion = server.status === "APPROVED" && server.approvedVersionId === version.id;

  const started = performance.now();
  let result: Extract<HealthCheckResult, { latencyMs: number }>;
  try {
    const fields = readConfigSchema(version.configSchema);
    const values = {
      ...readSharedConfig(version.sharedConfig),
      ...openSecrets(version.sharedSecrets, secretContext.serverVersion(version.id)),
    };
    const target = resolveUpstreamTarget({ url: version.url, fields, values });
    if (!target.ok) throw new Error(target.reason);
    // Every connection goes through the SSRF guard (PROTOCOL X1): URL, redirects and the address
    // actually dialled are checked against the admin's allow-list.
    const fetch = createGuardedFetch(await getOutboundPolicy(db)) as FetchLike;
    const url = new URL(target.url);
    const requestInit: RequestInit = { headers: target.headers };
    const transport =
      version.transport === "SSE"
        ? new SSEClientTransport(url, { fetch, requestInit })
        : new StreamableHTTPClientTransport(url, { fetch, requestInit });
    const capabilities = cleanCapabilities(await discoverCapabilities(transport));
    result = {
      serverId,
      versionId,
      status: "HEALTHY",
      latencyMs: Math.round(performance.now() - started),
      capabilities,
    };
  } catch (error) {
    result = {
      serverId,
      versionId,
      status: "UNHEALTHY",
      latencyMs: Math.round(performance.now() - started),
      error: describeError(error),
    };
  }

  const checkedAt = new Date();
  await db.$transaction(async (tx) => {
    if (isApprovedVersion) {
      await tx.server.update({
        where: { id: serverId },
        data: {
          healthStatus: result.status === "HEALTHY" ? "HEALTHY" : "UNHEALTHY",
          healthLatencyMs: result.latencyMs,
          healthCheckedAt: checkedAt,
          healthError: result.status === "UNHEALTHY" ? result.error : null,
        },
      });
    }
    if (result.status === "HEALTHY") {
      await tx.serverVersion.update({
        where: { id: version.id },
        data: {
          capabilities: result.capabilities as unknown as Prisma.InputJsonValue,
          discoveredAt: checkedAt,
        },
      });
    } else if (!isApprovedVersion) {
      // A version under review has no health of its own: the reviewer reads why discovery failed here.
      await tx.serverVersion.update({
        where: { id: version.id },
        data: {
          capabilities: withDiscoveryError(
            version.capabilities,
            result.error,
            checkedAt,
          ) as unknown as Prisma.InputJsonValue,
        },
      });
    }
  });
  return result;
}

/** Ids of the servers the periodic check covers: approved, with a remote upstream. */
export async function listCheckableServerIds(options: { db: Db }): Promise<string[]> {
  const servers = await options.db.server.findMany({
    where: { status: "APPROVED", approvedVersion: { transport: { in: ["STREAMABLE_HTTP", "SSE"] } } },
    select: { id: true },
    orderBy: { createdAt: "asc" },
  });
  return servers.map((server) => server.id);
}
