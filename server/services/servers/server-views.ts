import type { Db, Tx } from "../../db";
import type { Server, ServerVersion } from "../../db/generated/client";
import { logger } from "../../logger";
import { type PromptInfo, type ResourceInfo, readCapabilities, type ToolInfo } from "./capabilities";
import {
  type ConfigField,
  type ConfigValues,
  openSecrets,
  readConfigSchema,
  secretContext,
} from "./config-fields";
import { readSharedConfig } from "./version-definition";

/**
 * What the publishing pages see of a catalog entry and its versions. Shared secret values never
 * leave the server: a version only says which secret fields have a value.
 */
export type ServerStatus = Server["status"];
export type UserRef = { id: string; email: string; name: string | null };

export type DiscoveryView = {
  /** when tools were last discovered successfully; null = never */
  discoveredAt: Date | null;
  /** why the latest discovery failed (the approved version's comes from the server's health) */
  error: string | null;
  toolCount: number;
  promptCount: number;
  resourceCount: number;
};

export type CapabilitiesView = {
  tools: ToolInfo[];
  prompts: PromptInfo[];
  resources: ResourceInfo[];
  serverInfo: { name: string; version: string } | null;
  protocolVersion: string | null;
};

export type ServerVersionView = {
  id: string;
  version: string;
  transport: ServerVersion["transport"];
  url: string | null;
  command: string | null;
  args: string[];
  upstreamAuth: ServerVersion["upstreamAuth"];
  status: ServerStatus;
  /** the version connections use */
  isApproved: boolean;
  submittedAt: Date | null;
  reviewedAt: Date | null;
  reviewedBy: UserRef | null;
  reviewReason: string | null;
  createdAt: Date;
  createdBy: UserRef | null;
  configSchema: ConfigField[];
  /** values of the shared non-secret fields */
  sharedConfig: ConfigValues;
  /** names of the shared secret fields that have a value; never the values */
  sharedSecretsSet: string[];
  discovery: DiscoveryView;
  /** null until discovered */
  capabilities: CapabilitiesView | null;
};

export type HealthView = {
  status: Server["healthStatus"];
  latencyMs: number | null;
  checkedAt: Date | null;
  error: string | null;
};

export type ManagedServerDetail = {
  id: string;
  slug: string;
  name: string;
  registryName: string | null;
  description: string;
  iconUrl: string | null;
  tags: string[];
  websiteUrl: string | null;
  repositoryUrl: string | null;
  scope: Server["scope"];
  status: ServerStatus;
  owner: UserRef;
  approvedVersionId: string | null;
  health: HealthView;
  createdAt: Date;
  updatedAt: Date;
  /** what the viewer may do here */
  viewer: { isOwner: boolean; canReview: boolean };
  /** newest first */
  versions: ServerVersionView[];
};

export type VersionSummary = {
  id: string;
  version: string;
  status: ServerStatus;
  transport: ServerVersion["transport"];
};

export type ManagedServerRow = {
  id: string;
  slug: string;
  name: string;
  description: string;
  iconUrl: string | null;
  tags: string[];
  scope: Server["scope"];
  status: ServerStatus;
  owner: UserRef;
  latestVersion: VersionSummary | null;
  approvedVersion: { id: string; version: string } | null;
  pendingVersionCount: number;
  health: { status: Server["healthStatus"]; checkedAt: Date | null };
  createdAt: Date;
  updatedAt: Date;
};

export const USER_REF_SELECT = { id: true, email: true, name: true } as const;

/** The users named by versions' createdById/reviewedById (plain columns, not relations). */
export async function loadUserRefs(db: Db | Tx, ids: (string | null)[]): Promise<Map<string, UserRef>> {
  const unique = [...new Set(ids.filter((id): id is string => id !== null))];
  if (unique.length === 0) return new Map();
  const users = await db.user.findMany({ where: { id: { in: unique } }, select: USER_REF_SELECT });
  return new Map(users.map((user) => [user.id, user]));
}

/** Names of the shared secrets that are set. Opening needs the key; a row it cannot open shows none. */
export function sharedSecretNames(version: Pick<ServerVersion, "id" | "sharedSecrets">): string[] {
  if (!version.sharedSecrets) return [];
  try {
    return Object.keys(openSecrets(version.sharedSecrets, secretContext.serverVersion(version.id))).sort();
  } catch (error) {
    logger().warn(
      { versionId: version.id, err: { message: error instanceof Error ? error.message : String(error) } },
      "shared secrets of a server version cannot be opened",
    );
    return [];
  }
}

export function discoveryView(
  version: Pick<ServerVersion, "id" | "transport" | "capabilities" | "discoveredAt">,
  server: Pick<Server, "status" | "approvedVersionId" | "healthStatus" | "healthError">,
): DiscoveryView {
  const capabilities = readCapabilities(version.capabilities);
  const isLive = server.status === "APPROVED" && server.approvedVersionId === version.id;
  const error = isLive
    ? server.healthStatus === "UNHEALTHY"
      ? server.healthError
      : null
    : (capabilities?.lastError?.message ?? null);
  const discovered = version.discoveredAt !== null && capabilities !== null;
  return {
    discoveredAt: version.discoveredAt,
    error,
    toolCount: discovered ? capabilities.tools.length : 0,
    promptCount: discovered ? capabilities.prompts.length : 0,
    resourceCount: discovered ? capabilities.resources.length : 0,
  };
}

export function toVersionView(
  version: ServerVersion,
  server: Pick<Server, "status" | "approvedVersionId" | "healthStatus" | "healthError">,
  users: Map<string, UserRef>,
): ServerVersionView {
  const capabilities = readCapabilities(version.capabilities);
  return {
    id: version.id,
    version: version.version,
    transport: version.transport,
    url: version.url,
    command: version.command,
    args: version.args,
    upstreamAuth: version.upstreamAuth,
    status: version.status,
    isApproved: server.approvedVersionId === version.id,
    submittedAt: version.submittedAt,
    reviewedAt: version.reviewedAt,
    reviewedBy: version.reviewedById ? (users.get(version.reviewedById) ?? null) : null,
    reviewReason: version.reviewReason,
    createdAt: version.createdAt,
    createdBy: version.createdById ? (users.get(version.createdById) ?? null) : null,
    configSchema: readConfigSchema(version.configSchema),
    sharedConfig: readSharedConfig(version.sharedConfig),
    sharedSecretsSet: sharedSecretNames(version),
    discovery: discoveryView(version, server),
    capabilities:
      capabilities && version.discoveredAt
        ? {
            tools: capabilities.tools,
            prompts: capabilities.prompts,
            resources: capabilities.resources,
            serverInfo: capabilities.serverInfo,
            protocolVersion: capabilities.protocolVersion,
          }
        : null,
  };
}
