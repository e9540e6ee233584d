import { isDeepStrictEqual } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike, Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListToolsResultSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import type { Prisma, ServerVersion } from "../../db/generated/client";
import { logger } from "../../logger";
import { sandboxNetworkFor } from "../../mcp/stdio/sandbox-network";
import { SandboxedStdioTransport } from "../../mcp/stdio/sandbox-transport";
import { DEFAULT_STDIO_SETTINGS } from "../../mcp/stdio/supervisor";
import { DEFAULT_UPSTREAM_LIMITS } from "../../mcp/upstream/http-client";
import { stdioLaunchOf } from "../../mcp/upstream/target";
import { createGuardedFetch, OutboundRefusedError } from "../../security/guarded-fetch";
import { cleanLine } from "../catalog/parse-server-json";
import {
  type CommandTemplate,
  getCommandTemplates,
  matchCommandTemplate,
} from "../settings/command-templates";
import { getOutboundPolicy, policyForVersion } from "../settings/outbound-policy";
import {
  cleanCapabilities,
  MAX_ITEMS_PER_KIND,
  type StoredCapabilities,
  withDiscoveryError,
} from "./capabilities";
import {
  type ConfigField,
  type ConfigValues,
  openSecrets,
  readConfigSchema,
  secretContext,
} from "./config-fields";
import { mayRunPackage, PACKAGE_AWAITS_APPROVAL } from "./publish-version";
import { resolveUpstreamTarget } from "./upstream-target";
import { readSharedConfig } from "./version-definition";

/**
 * Connects to a server version's upstream, lists what it offers (discovery) and, for the approved
 * version, records the server's health. The version's shared configuration is used: header fields
 * become request headers and URL-variable fields fill the URL (which the SSRF guard then checks).
 * Run by the worker (queue "upstream-health"), never on a request path.
 */

const CHECK_TIMEOUT_MS = 10_000;
/**
 * All of a remote discovery (connect, every page, every body) within this: the per-request timeout
 * does not cover an SSE stream that trickles comments before its endpoint, nor the reading of a body.
 */
const REMOTE_DISCOVERY_DEADLINE_MS = 60_000;
/** A stdio server may first be fetched by its package runner (npx, uvx) */
const STDIO_CHECK_TIMEOUT_MS = 120_000;
/**
 * All of a stdio discovery within this, then its process is killed: each request has its own
 * timeout, but a server that answers just before each one expires would otherwise hold a worker
 * slot for hours.
 */
const STDIO_DISCOVERY_DEADLINE_MS = 180_000;
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

/** Pages through one kind until the upstream stops or MAX_ITEMS_PER_KIND (all that is stored) are in. */
async function listAll<T>(
  fetchPage: (params?: { cursor: string }) => Promise<{ items: T[]; nextCursor?: string }>,
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES && all.length < MAX_ITEMS_PER_KIND; page++) {
    const result = await fetchPage(cursor === undefined ? undefined : { cursor });
    all.push(...result.items.slice(0, MAX_ITEMS_PER_KIND - all.length));
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return all;
}

export async function discoverCapabilities(
  transport: Transport,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<DiscoveredCapabilities> {
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  const options = { timeout: timeoutMs };
  try {
    await client.connect(transport, options);
    const offered = client.getServerCapabilities() ?? {};
    // Plain requests rather than client.listTools(), which compiles a validator for every tool's
    // outputSchema (for calls this client never makes): synchronous work, as much as the upstream
    // cares to send, on the worker's event loop.
    const tools = offered.tools
      ? await listAll(async (params) => {
          const page = await client.request({ method: "tools/list", params }, ListToolsResultSchema, options);
          return { items: page.tools, nextCursor: page.nextCursor };
        })
      : [];
    const prompts = offered.prompts
      ? await listAll(async (params) => {
          const page = await client.request(
            { method: "prompts/list", params },
            ListPromptsResultSchema,
            options,
          );
          return { items: page.prompts, nextCursor: page.nextCursor };
        })
      : [];
    const resources = offered.resources
      ? await listAll(async (params) => {
          const page = await client.request(
            { method: "resources/list", params },
            ListResourcesResultSchema,
            options,
          );
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

/** Discoveries running in this process, each with what settles once it has ended (stopDiscoveries). */
const runningDiscoveries = new Map<AbortController, Promise<unknown>>();

/** A discovery ended because the worker is stopping: it says nothing about the upstream. */
class DiscoveryStoppedError extends Error {}

/**
 * Discovery over `transport` within `deadlineMs`, or until `deadline` is aborted otherwise: the
 * transport is then closed (a stdio process group killed and waited for) and discovery fails with
 * the abort's reason.
 */
async function discoverWithin(options: {
  transport: Transport;
  deadline: AbortController;
  deadlineMs: number;
  lateMessage: string;
  requestTimeoutMs?: number;
}): Promise<DiscoveredCapabilities> {
  const { transport, deadline } = options;
  const late = new Promise<never>((_, reject) =>
    deadline.signal.addEventListener(
      "abort",
      () =>
        void transport
          .close()
          .catch(() => undefined)
          .then(() => reject(deadline.signal.reason)),
      { once: true },
    ),
  );
  const timer = setTimeout(() => deadline.abort(new Error(options.lateMessage)), options.deadlineMs);
  const discovery = discoverCapabilities(transport, options.requestTimeoutMs);
  runningDiscoveries.set(
    deadline,
    discovery.catch(() => undefined),
  );
  try {
    return await Promise.race([discovery, late]);
  } catch (error) {
    // Closing the transport also fails the pending request; the abort is the reason to report.
    throw deadline.signal.aborted ? deadline.signal.reason : error;
  } finally {
    clearTimeout(timer);
    runningDiscoveries.delete(deadline);
  }
}

/**
 * Ends every discovery running in this process and waits until each has (its stdio process gone),
 * for a stopping worker: those processes lead process groups of their own and would outlive it.
 * Nothing is recorded for them; checkServerHealth throws, so BullMQ retries the job later.
 */
export async function stopDiscoveries(): Promise<void> {
  const running = [...runningDiscoveries];
  for (const [deadline] of running)
    deadline.abort(new DiscoveryStoppedError("The worker stopped before discovery finished."));
  await Promise.all(running.map(([, settled]) => settled));
}

/** The columns discovery ran with: a result is stored only while they are unchanged. */
const DEFINITION_COLUMNS = [
  "transport",
  "url",
  "command",
  "args",
  "configSchema",
  "sharedConfig",
  "sharedSecrets",
] as const satisfies readonly (keyof ServerVersion)[];

function isSameDefinition(before: ServerVersion, now: ServerVersion): boolean {
  return DEFINITION_COLUMNS.every((column) => isDeepStrictEqual(before[column], now[column]));
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
  /** the stdio command allow-list; the installation's setting by default */
  templates?: CommandTemplate[];
  /** how long a stdio discovery may take in all; STDIO_DISCOVERY_DEADLINE_MS by default */
  stdioDeadlineMs?: number;
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
  if (version.transport !== "STDIO" && !version.url)
    return { serverId, versionId, status: "SKIPPED", reason: "the version has no URL" };
  if (!mayRunPackage(version))
    return { serverId, versionId, status: "SKIPPED", reason: PACKAGE_AWAITS_APPROVAL };

  const started = performance.now();
  let result: Extract<HealthCheckResult, { latencyMs: number }>;
  try {
    const fields = readConfigSchema(version.configSchema);
    const values = {
      ...readSharedConfig(version.sharedConfig),
      ...openSecrets(version.sharedSecrets, secretContext.serverVersion(version.id)),
    };
    const capabilities =
      version.transport === "STDIO"
        ? await discoverStdio({
            db,
            version,
            fields,
            values,
            templates: options.templates,
            deadlineMs: options.stdioDeadlineMs ?? STDIO_DISCOVERY_DEADLINE_MS,
          })
        : cleanCapabilities(await discoverRemote({ db, version, fields, values }));
    result = {
      serverId,
      versionId,
      status: "HEALTHY",
      latencyMs: Math.round(performance.now() - started),
      capabilities,
    };
  } catch (error) {
    // Not the upstream's failure: nothing is recorded, and the failed job is retried.
    if (error instanceof DiscoveryStoppedError) throw error;
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
    // Discovery can take minutes. The rows are locked (server, then version, the order the catalog's
    // own changes take) and read again, and only what still applies is written: the result of a
    // definition edited since describes nothing stored, and health belongs to the version approved now.
    await tx.$queryRaw`SELECT id FROM "Server" WHERE id = ${serverId}::uuid FOR UPDATE`;
    await tx.$queryRaw`SELECT id FROM "ServerVersion" WHERE id = ${version.id}::uuid FOR UPDATE`;
    const current = await tx.server.findUnique({
      where: { id: serverId },
      select: { status: true, approvedVersionId: true },
    });
    const currentVersion = await tx.serverVersion.findUnique({ where: { id: version.id } });
    if (!current || !currentVersion || !isSameDefinition(version, currentVersion)) return;
    const isApprovedVersion = current.status === "APPROVED" && current.approvedVersionId === version.id;
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
            currentVersion.capabilities,
            result.error,
            checkedAt,
          ) as unknown as Prisma.InputJsonValue,
        },
      });
    }
  });
  return result;
}

type VersionToDiscover = Pick<
  ServerVersion,
  "id" | "serverId" | "transport" | "url" | "command" | "args" | "reviewedAt" | "status"
>;

async function discoverRemote(options: {
  db: Db;
  version: VersionToDiscover;
  fields: ConfigField[];
  values: ConfigValues;
}): Promise<DiscoveredCapabilities> {
  const target = resolveUpstreamTarget({
    url: options.version.url ?? "",
    fields: options.fields,
    values: options.values,
  });
  if (!target.ok) throw new Error(target.reason);
  // Every connection goes through the SSRF guard (PROTOCOL X1): URL, redirects and the address
  // actually dialled are checked against the admin's allow-list.
  // One deadline for everything, and each body capped as the proxy caps a message: an upstream
  // that trickles or floods can neither hold a worker slot nor fill the worker's memory.
  const deadline = new AbortController();
  const fetch = createGuardedFetch(policyForVersion(await getOutboundPolicy(options.db), options.version), {
    signal: deadline.signal,
    maxResponseBytes: DEFAULT_UPSTREAM_LIMITS.maxMessageBytes,
  }) as FetchLike;
  const url = new URL(target.url);
  const requestInit: RequestInit = { headers: target.headers };
  const transport =
    options.version.transport === "SSE"
      ? new SSEClientTransport(url, { fetch, requestInit })
      : new StreamableHTTPClientTransport(url, { fetch, requestInit });
  return discoverWithin({
    transport,
    deadline,
    deadlineMs: REMOTE_DISCOVERY_DEADLINE_MS,
    lateMessage: `The upstream did not finish within ${REMOTE_DISCOVERY_DEADLINE_MS / 1000} s.`,
  });
}

/**
 * A stdio version is discovered by running it once, as the proxy would (the same allow-list check,
 * sandbox and limits), with the publisher's shared values and the fields' defaults (a per-user
 * value a server needs to start cannot be known here: discovery then fails with its stderr). Each
 * such start is audited like a session's.
 */
async function discoverStdio(options: {
  db: Db;
  version: VersionToDiscover;
  fields: ConfigField[];
  values: ConfigValues;
  templates?: CommandTemplate[];
  deadlineMs: number;
}): Promise<StoredCapabilities> {
  const { db, version } = options;
  if (!version.command) throw new Error("This version has no command to run.");
  const templates = options.templates ?? (await getCommandTemplates(db));
  const match = matchCommandTemplate(templates, version.command, version.args);
  if (!match.ok) throw new Error(`The command is not allowed: ${match.reason}.`);
  const launch = stdioLaunchOf(options.fields, (field) =>
    field.perUser ? field.default : (options.values[field.name] ?? field.default),
  );
  const args = [...version.args, ...launch.args];
  const deadline = new AbortController();
  const log = logger().child({
    component: "discovery-stdio",
    serverId: version.serverId,
    versionId: version.id,
  });
  const transport = new SandboxedStdioTransport({
    command: version.command,
    args,
    fields: launch.env,
    limits: DEFAULT_STDIO_SETTINGS,
    maxLineBytes: DEFAULT_UPSTREAM_LIMITS.maxMessageBytes,
    log,
    network: sandboxNetworkFor({
      db: () => db,
      version,
      subject: { serverId: version.serverId, targetType: "server_version", targetId: version.id },
      onAuditFailure: (error) => log.warn({ err: error }, "could not audit a refused egress connection"),
    }),
    // Audited before the process is used, like a session's; no audit row, no discovery.
    onStarted: async ({ pid, network }) => {
      await recordAudit(
        db,
        {},
        {
          action: "mcp.stdio.spawn",
          targetType: "server_version",
          targetId: version.id,
          serverId: version.serverId,
          metadata: {
            command: version.command,
            // secret argument values hidden
            args: [...version.args, ...launch.shownArgs],
            pid,
            template: match.match.template.id,
            purpose: "discovery",
            network,
          },
        },
      );
      // Closing a transport that is still starting stops nothing: a process that came up after the
      // deadline or a worker stop is killed here instead (a throw here kills it).
      deadline.signal.throwIfAborted();
    },
  });
  const seconds = options.deadlineMs / 1000;
  return cleanCapabilities(
    await discoverWithin({
      transport,
      deadline,
      deadlineMs: options.deadlineMs,
      lateMessage: `The server did not finish discovery within ${seconds} s; its process was stopped.`,
      requestTimeoutMs: STDIO_CHECK_TIMEOUT_MS,
    }),
  );
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
