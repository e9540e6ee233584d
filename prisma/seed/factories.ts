import { randomBytes } from "node:crypto";
import type { Db, Tx } from "@/server/db";
import type { Prisma } from "@/server/db/generated/client";

/**
 * Row factories with random, unique names, shared by the demo seed and the tests (so tests can run
 * in parallel against one database without colliding). Each takes overrides for what matters.
 */
export function uniqueSuffix(): string {
  return randomBytes(4).toString("hex");
}

export function createUser(db: Db | Tx, data: Partial<Prisma.UserCreateInput> = {}) {
  const suffix = uniqueSuffix();
  return db.user.create({ data: { email: `user-${suffix}@example.test`, name: `User ${suffix}`, ...data } });
}

export function createTeam(db: Db | Tx, data: Partial<Prisma.TeamCreateInput> = {}) {
  const suffix = uniqueSuffix();
  return db.team.create({ data: { slug: `team-${suffix}`, name: `Team ${suffix}`, ...data } });
}

export type ServerFactoryInput = {
  ownerId: string;
  slug?: string;
  name?: string;
  description?: string;
  tags?: string[];
  status?: "DRAFT" | "PENDING_APPROVAL" | "APPROVED" | "REJECTED" | "RETIRED";
  scope?: "PERSONAL" | "SHARED";
  transport?: "STREAMABLE_HTTP" | "SSE" | "STDIO";
  url?: string | null;
  command?: string | null;
  args?: string[];
  version?: string;
  websiteUrl?: string;
  repositoryUrl?: string;
};

/** A server with one version; an APPROVED server gets that version as its approved one. */
export async function createServer(db: Db | Tx, input: ServerFactoryInput) {
  const suffix = uniqueSuffix();
  const status = input.status ?? "APPROVED";
  const transport = input.transport ?? "STREAMABLE_HTTP";
  const create = async (tx: Tx) => {
    const server = await tx.server.create({
      data: {
        slug: input.slug ?? `server-${suffix}`,
        name: input.name ?? `Server ${suffix}`,
        description: input.description ?? "",
        tags: input.tags ?? [],
        ownerId: input.ownerId,
        scope: input.scope ?? "SHARED",
        status,
        websiteUrl: input.websiteUrl,
        repositoryUrl: input.repositoryUrl,
      },
    });
    const version = await tx.serverVersion.create({
      data: {
        serverId: server.id,
        version: input.version ?? "1.0.0",
        transport,
        url: transport === "STDIO" ? null : (input.url ?? "http://127.0.0.1:9/mcp"),
        command: transport === "STDIO" ? (input.command ?? "npx") : null,
        args: input.args ?? [],
        status,
        submittedAt: status === "DRAFT" ? null : new Date(),
        reviewedAt: status === "APPROVED" || status === "REJECTED" ? new Date() : null,
      },
    });
    if (status !== "APPROVED") return { ...server, versionId: version.id };
    const approved = await tx.server.update({
      where: { id: server.id },
      data: { approvedVersionId: version.id },
    });
    return { ...approved, versionId: version.id };
  };
  // Inside a caller's transaction (the demo seed), or a transaction of its own.
  return "$transaction" in db ? db.$transaction(create) : create(db);
}

export function createRegistry(
  db: Db | Tx,
  data: { ownerId: string; slug?: string; name?: string; description?: string },
) {
  const suffix = uniqueSuffix();
  return db.registry.create({
    data: {
      slug: data.slug ?? `registry-${suffix}`,
      name: data.name ?? `Registry ${suffix}`,
      description: data.description ?? "",
      ownerId: data.ownerId,
    },
  });
}
