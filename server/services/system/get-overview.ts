import type { Db } from "../../db";

export type UpstreamHealthRow = {
  id: string;
  slug: string;
  name: string;
  transport: string | null;
  healthStatus: "UNKNOWN" | "HEALTHY" | "UNHEALTHY";
  healthLatencyMs: number | null;
  healthCheckedAt: Date | null;
  healthError: string | null;
  toolCount: number | null;
};

export type Overview = {
  counts: {
    users: number;
    teams: number;
    servers: number;
    registries: number;
    connections: number;
    apiTokens: number;
  };
  serversByStatus: Record<string, number>;
  upstreams: UpstreamHealthRow[];
  /** audit events per hour over the last 24 hours, oldest first */
  activity: { hour: string; events: number }[];
};

function toolCount(capabilities: unknown): number | null {
  if (
    capabilities &&
    typeof capabilities === "object" &&
    "tools" in capabilities &&
    Array.isArray(capabilities.tools)
  ) {
    return capabilities.tools.length;
  }
  return null;
}

/** What the home page shows: how big this installation is and whether its upstreams are up. */
export async function getOverview(options: { db: Db; now?: Date }): Promise<Overview> {
  const { db } = options;
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - 24 * 3600 * 1000);
  const [users, teams, servers, registries, connections, apiTokens, byStatus, approved, hourly] =
    await Promise.all([
      db.user.count({ where: { status: "ACTIVE" } }),
      db.team.count(),
      db.server.count(),
      db.registry.count(),
      db.connection.count(),
      db.apiToken.count({
        where: { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
      }),
      db.server.groupBy({ by: ["status"], _count: { _all: true } }),
      db.server.findMany({
        where: { status: "APPROVED" },
        orderBy: { name: "asc" },
        include: { approvedVersion: { select: { transport: true, capabilities: true } } },
      }),
      db.$queryRaw<{ hour: Date; events: bigint }[]>`
      -- Prisma stores DateTime as UTC in "timestamp without time zone"; say so, or the driver
      -- reads the hours in the process's local time zone and the buckets shift.
      SELECT date_trunc('hour', "occurredAt") AT TIME ZONE 'UTC' AS hour, count(*) AS events
      FROM "AuditEvent" WHERE "occurredAt" >= ${since}
      GROUP BY 1 ORDER BY 1`,
    ]);

  const byHour = new Map(hourly.map((row) => [row.hour.toISOString(), Number(row.events)]));
  const activity: Overview["activity"] = [];
  const firstHour = new Date(since);
  firstHour.setUTCMinutes(0, 0, 0);
  for (let i = 1; i <= 24; i++) {
    const hour = new Date(firstHour.getTime() + i * 3600 * 1000).toISOString();
    activity.push({ hour, events: byHour.get(hour) ?? 0 });
  }

  return {
    counts: { users, teams, servers, registries, connections, apiTokens },
    serversByStatus: Object.fromEntries(byStatus.map((row) => [row.status, row._count._all])),
    upstreams: approved.map((server) => ({
      id: server.id,
      slug: server.slug,
      name: server.name,
      transport: server.approvedVersion?.transport ?? null,
      healthStatus: server.healthStatus,
      healthLatencyMs: server.healthLatencyMs,
      healthCheckedAt: server.healthCheckedAt,
      healthError: server.healthError,
      toolCount: toolCount(server.approvedVersion?.capabilities),
    })),
    activity,
  };
}
