import type { Db } from "../../db";
import type { ConnectionStatus } from "../connections/connection-config";
import { loadScopeTargets, type ScopeTool } from "./token-scope-targets";

/**
 * What the "New token" form offers: every server the user can see (sorted by name), each with the
 * user's connections to it and the tools the user may call there. Connections whose server is no
 * longer shared with the user are left out: a token could not use them.
 */
export type TokenScopeOptions = {
  servers: {
    serverId: string;
    slug: string;
    name: string;
    iconUrl: string | null;
    /** null when the server's tools are not known yet (any tool name may be typed) */
    tools: ScopeTool[] | null;
    connections: {
      connectionId: string;
      name: string;
      status: ConnectionStatus;
      tools: ScopeTool[] | null;
    }[];
  }[];
};

export async function getTokenScopeOptions(options: { db: Db; userId: string }): Promise<TokenScopeOptions> {
  const targets = await loadScopeTargets(options);
  const servers = [...targets.servers.values()].map((server) => ({
    ...server,
    connections: [] as TokenScopeOptions["servers"][number]["connections"],
  }));
  const byId = new Map(servers.map((server) => [server.serverId, server]));
  // Oldest first within a server, the order people created them in.
  for (const connection of [...targets.connections.values()].reverse()) {
    const server = byId.get(connection.serverId);
    if (!server || !connection.isAvailable) continue;
    server.connections.push({
      connectionId: connection.connectionId,
      name: connection.name,
      status: connection.status,
      tools: connection.tools,
    });
  }
  // Servers with a connection first: that is what a token is usually for.
  return {
    servers: [
      ...servers.filter((server) => server.connections.length > 0),
      ...servers.filter((server) => server.connections.length === 0),
    ],
  };
}
