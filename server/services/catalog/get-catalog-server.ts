import type { Db, Tx } from "../../db";
import { AppError } from "../../errors";
import { type ConfigTarget, readConfigSchema } from "../servers/config-fields";
import { displayLine, displayText, httpUrlOrNull } from "./display-text";
import type { CatalogHealth } from "./list-catalog";
import { cleanTags } from "./list-catalog";
import {
  readCapabilities,
  schemaJson,
  type ToolParameter,
  toolParameters,
  uniqueBy,
} from "./read-capabilities";
import { findVisibleServer, isToolAllowed } from "./visible-servers";

/**
 * One catalog entry as its server page shows it to one user: only if the user may see it (anything
 * else, including another user's personal server, is NOT_FOUND), only the tools their registries
 * allow, and only the configuration fields they will be asked for: never the publisher's shared
 * values or secrets, never the owner's email.
 */

export type CatalogServerTool = {
  name: string;
  title: string | null;
  description: string;
  parameters: ToolParameter[];
  /** the input schema as indented JSON text, invisible characters escaped; null when there is none */
  schemaJson: string | null;
};

export type CatalogConfigField = {
  name: string;
  label: string;
  description: string;
  secret: boolean;
  required: boolean;
  default: string | null;
  choices: string[] | null;
  target: ConfigTarget;
};

export type CatalogServerDetail = {
  id: string;
  slug: string;
  name: string;
  /** markdown, cleaned of invisible characters; render with components/ui/markdown.tsx */
  description: string;
  iconUrl: string | null;
  tags: string[];
  websiteUrl: string | null;
  repositoryUrl: string | null;
  scope: "PERSONAL" | "SHARED";
  /** a personal server without an approved version: shown to its owner, not connectable yet */
  isDraft: boolean;
  publisher: { name: string; isYou: boolean };
  health: CatalogHealth & { error: string | null };
  version: {
    version: string;
    transport: "STREAMABLE_HTTP" | "SSE" | "STDIO";
    discoveredAt: Date | null;
  } | null;
  /** false until a health check listed the upstream's tools, prompts and resources */
  isDiscovered: boolean;
  tools: CatalogServerTool[];
  /** tools the upstream offers that the user's registries do not grant */
  hiddenToolCount: number;
  prompts: {
    name: string;
    title: string | null;
    description: string;
    arguments: { name: string; description: string; required: boolean }[];
  }[];
  resources: { uri: string; name: string; description: string; mimeType: string | null }[];
  /** the per-user fields the connect form will ask for */
  configuration: CatalogConfigField[];
  connections: {
    id: string;
    name: string;
    status: "CONFIGURED" | "NEEDS_CONFIGURATION" | "UPSTREAM_AUTH_NEEDED";
  }[];
};

const NOT_FOUND_MESSAGE = "This server doesn't exist or isn't available to you.";

export async function getCatalogServer(options: {
  db: Db | Tx;
  userId: string;
  slug: string;
}): Promise<CatalogServerDetail> {
  const { db, userId } = options;
  // Canonicalizes the slug; traversal, look-alikes and servers the user may not see are all null.
  const visible = await findVisibleServer({ db, userId, slug: options.slug });
  if (!visible) throw new AppError("NOT_FOUND", NOT_FOUND_MESSAGE);

  const server = await db.server.findUnique({
    where: { id: visible.serverId },
    select: {
      id: true,
      slug: true,
      name: true,
      description: true,
      iconUrl: true,
      tags: true,
      websiteUrl: true,
      repositoryUrl: true,
      ownerId: true,
      scope: true,
      healthStatus: true,
      healthLatencyMs: true,
      healthCheckedAt: true,
      healthError: true,
      owner: { select: { name: true } },
      approvedVersion: {
        select: {
          version: true,
          transport: true,
          configSchema: true,
          capabilities: true,
          discoveredAt: true,
        },
      },
    },
  });
  if (!server) throw new AppError("NOT_FOUND", NOT_FOUND_MESSAGE);

  const connections = await db.connection.findMany({
    where: { userId, serverId: server.id },
    select: { id: true, name: true, status: true },
    orderBy: { createdAt: "asc" },
  });

  const approved = server.approvedVersion;
  const capabilities = approved ? readCapabilities(approved.capabilities) : null;
  const allTools = capabilities?.tools ?? [];
  const tools = allTools.filter((tool) => isToolAllowed(visible, tool.name));

  return {
    id: server.id,
    slug: server.slug,
    name: displayLine(server.name) || server.slug,
    description: displayText(server.description),
    iconUrl: httpUrlOrNull(server.iconUrl),
    tags: cleanTags(server.tags),
    websiteUrl: httpUrlOrNull(server.websiteUrl),
    repositoryUrl: httpUrlOrNull(server.repositoryUrl),
    scope: visible.scope,
    isDraft: approved === null,
    publisher: {
      name: displayLine(server.owner.name ?? "") || "A Gatehouse user",
      isYou: server.ownerId === userId,
    },
    health: {
      status: server.healthStatus,
      latencyMs: server.healthLatencyMs,
      checkedAt: server.healthCheckedAt,
      error: server.healthError ? displayText(server.healthError, 500) : null,
    },
    version: approved
      ? {
          version: displayLine(approved.version, 100),
          transport: approved.transport,
          discoveredAt: approved.discoveredAt,
        }
      : null,
    isDiscovered: capabilities !== null,
    tools: uniqueBy(
      tools.map((tool) => ({
        name: displayLine(tool.name),
        title: tool.title,
        description: tool.description,
        parameters: toolParameters(tool.inputSchema),
        schemaJson: schemaJson(tool.inputSchema),
      })),
      (tool) => tool.name,
    ),
    hiddenToolCount: allTools.length - tools.length,
    prompts: capabilities?.prompts ?? [],
    resources: capabilities?.resources ?? [],
    configuration: approved
      ? readConfigSchema(approved.configSchema)
          .filter((field) => field.perUser)
          .map((field) => ({
            name: field.name,
            label: displayLine(field.label),
            description: displayText(field.description, 2000),
            secret: field.secret,
            required: field.required,
            default: field.secret ? null : field.default,
            choices: field.choices,
            target: field.target,
          }))
      : [],
    connections: connections.map((connection) => ({
      id: connection.id,
      name: displayLine(connection.name) || "Connection",
      status: connection.status,
    })),
  };
}
