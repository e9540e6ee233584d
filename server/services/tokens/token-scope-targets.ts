import type { Db, Tx } from "../../db";
import { readCapabilities } from "../catalog/read-capabilities";
import { isToolAllowed, listVisibleServers, type VisibleServer } from "../catalog/visible-servers";
import type { ConnectionStatus } from "../connections/connection-config";

/**
 * What a user's token scope may name: the servers they can see and their own connections, each with
 * the tools the user may call there. Issuing validates against it, the token list resolves names
 * from it and the scope picker shows it, so all three agree on what "may call" means.
 */

export type ScopeTool = { name: string; title: string | null; description: string };

export type ScopeServer = {
  serverId: string;
  slug: string;
  name: string;
  iconUrl: string | null;
  /**
   * The tools this user may call on the server: those discovered on its approved version and
   * granted by a registry. null when unknown (never discovered and no registry allow-list), in
   * which case any tool name may be listed in a scope.
   */
  tools: ScopeTool[] | null;
};

export type ScopeConnection = {
  connectionId: string;
  name: string;
  status: ConnectionStatus;
  serverId: string;
  /** the server's name even when it is no longer visible: it is the user's own connection */
  serverName: string;
  /** false when the server is no longer visible to the user: the connection reaches nothing */
  isAvailable: boolean;
  /** as ScopeServer.tools, from the connection's own version when it was discovered */
  tools: ScopeTool[] | null;
};

export type ScopeTargets = {
  /** visible servers, sorted by name */
  servers: Map<string, ScopeServer>;
  /** the user's own connections, newest first */
  connections: Map<string, ScopeConnection>;
};

/**
 * The tools `visible` lets the user call, given what discovery found (null when never discovered).
 * An allow-list without discovery still says exactly which names are allowed.
 */
function callableTools(capabilities: unknown, visible: VisibleServer | undefined): ScopeTool[] | null {
  const discovered = readCapabilities(capabilities);
  if (discovered !== null) {
    return discovered.tools
      .filter((tool) => visible === undefined || isToolAllowed(visible, tool.name))
      .map((tool) => ({ name: tool.name, title: tool.title, description: tool.description }));
  }
  if (visible?.allowedTools) {
    return visible.allowedTools.map((name) => ({ name, title: null, description: "" }));
  }
  return null;
}

export async function loadScopeTargets(options: { db: Db | Tx; userId: string }): Promise<ScopeTargets> {
  const { db, userId } = options;
  const visible = await listVisibleServers({ db, userId });
  const visibleById = new Map(visible.map((server) => [server.serverId, server]));

  const [serverRows, connectionRows] = await Promise.all([
    db.server.findMany({
      where: { id: { in: [...visibleById.keys()] } },
      select: { id: true, iconUrl: true, approvedVersion: { select: { capabilities: true } } },
    }),
    db.connection.findMany({
      where: { userId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: {
        id: true,
        name: true,
        status: true,
        serverId: true,
        server: { select: { name: true, approvedVersion: { select: { capabilities: true } } } },
        serverVersion: { select: { capabilities: true } },
      },
    }),
  ]);
  const rowById = new Map(serverRows.map((row) => [row.id, row]));

  const servers = new Map<string, ScopeServer>();
  for (const server of visible) {
    const row = rowById.get(server.serverId);
    servers.set(server.serverId, {
      serverId: server.serverId,
      slug: server.slug,
      name: server.name,
      iconUrl: row?.iconUrl ?? null,
      tools: callableTools(row?.approvedVersion?.capabilities ?? null, server),
    });
  }

  const connections = new Map<string, ScopeConnection>();
  for (const row of connectionRows) {
    const server = visibleById.get(row.serverId);
    // A connection pinned to an older version calls that version's tools; before its discovery,
    // the approved version's list is the best knowledge there is.
    const capabilities = row.serverVersion.capabilities ?? row.server.approvedVersion?.capabilities ?? null;
    connections.set(row.id, {
      connectionId: row.id,
      name: row.name,
      status: row.status,
      serverId: row.serverId,
      serverName: row.server.name,
      isAvailable: server !== undefined,
      tools: server ? callableTools(capabilities, server) : [],
    });
  }

  return { servers, connections };
}
