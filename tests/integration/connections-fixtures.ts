import { createRegistry, createServer, createUser } from "@/prisma/seed/factories";
import { db } from "@/server/db";
import type { Prisma } from "@/server/db/generated/client";
import type { ConfigField } from "@/server/services/servers/config-fields";

/**
 * Servers for the connections tests, each granted only to the users a test names (never to
 * everyone: other test files share the database and must not see them).
 */
export function field(
  input: Pick<ConfigField, "name" | "target"> & Partial<Omit<ConfigField, "name" | "target">>,
): ConfigField {
  return {
    label: input.name,
    description: "",
    secret: false,
    required: false,
    default: null,
    choices: null,
    perUser: true,
    ...input,
  };
}

/** A public address literal: the SSRF guard lets it through without DNS, and nothing dials it. */
export const PUBLIC_UPSTREAM = "https://93.184.216.34";

export async function grantedServer(options: {
  grantees: string[];
  name?: string;
  url?: string;
  configSchema?: ConfigField[];
  sharedConfig?: Record<string, string>;
  upstreamAuth?: "NONE" | "STATIC_HEADER" | "OAUTH";
  transport?: "STREAMABLE_HTTP" | "SSE" | "STDIO";
}) {
  const owner = await createUser(db(), { role: "ADMIN" });
  const server = await createServer(db(), {
    ownerId: owner.id,
    name: options.name,
    transport: options.transport,
    url: options.url ?? `${PUBLIC_UPSTREAM}/mcp`,
    status: "APPROVED",
  });
  await db().serverVersion.update({
    where: { id: server.versionId },
    data: {
      configSchema: (options.configSchema ?? []) as unknown as Prisma.InputJsonValue,
      sharedConfig: options.sharedConfig ?? {},
      upstreamAuth: options.upstreamAuth ?? "NONE",
    },
  });
  const registry = await createRegistry(db(), { ownerId: owner.id });
  await db().registryServer.create({ data: { registryId: registry.id, serverId: server.id } });
  for (const userId of options.grantees) {
    await db().registrySubject.create({ data: { registryId: registry.id, kind: "USER", userId } });
  }
  return { server, registry, owner };
}
