import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry, createServer, createTeam, createUser } from "@/prisma/seed/factories";
import { diffSchemas } from "@/prisma/tools/diff";
import { createDb, type Db } from "@/server/db";
import { env } from "@/server/env";
import { ADMIN_DATABASE_URL, createDatabase, dropDatabase } from "./helpers/test-database";

/**
 * Proves prisma/migrations and prisma/schema.prisma agree: the database our migrations build must
 * have exactly the structure Prisma itself generates from schema.prisma (columns, types, nullability,
 * defaults, enums, indexes, constraints), and every model must work through the generated client.
 */
const CATALOG_QUERIES = {
  columns: `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default
            FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
            ORDER BY 1, 2`,
  enums: `SELECT t.typname, e.enumlabel, e.enumsortorder FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
          JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' ORDER BY 1, 3`,
  indexes: `SELECT tablename, indexname, indexdef FROM pg_indexes
            WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1, 2`,
  constraints: `SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
                WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations'
                ORDER BY 1, 2`,
};

async function catalog(url: string): Promise<Record<string, unknown[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result: Record<string, unknown[]> = {};
    for (const [name, sql] of Object.entries(CATALOG_QUERIES)) result[name] = (await client.query(sql)).rows;
    return result;
  } finally {
    await client.end();
  }
}

describe("schema.prisma and migrations", () => {
  let reference: { name: string; url: string };

  beforeAll(async () => {
    reference = await createDatabase("gatehouse_reference");
    const schema = readFileSync(path.resolve(import.meta.dirname, "../../prisma/schema.prisma"), "utf8");
    const sql = diffSchemas({ from: null, to: schema, databaseUrl: ADMIN_DATABASE_URL });
    const client = new pg.Client({ connectionString: reference.url });
    await client.connect();
    await client.query(sql);
    await client.end();
  });

  afterAll(async () => {
    await dropDatabase(reference.name);
  });

  it("build the same database structure", async () => {
    const [migrated, expected] = await Promise.all([catalog(env().DATABASE_URL), catalog(reference.url)]);
    expect(migrated.columns?.length).toBeGreaterThan(50);
    expect(migrated.columns).toEqual(expected.columns);
    expect(migrated.enums).toEqual(expected.enums);
    expect(migrated.indexes).toEqual(expected.indexes);
    expect(migrated.constraints).toEqual(expected.constraints);
  });

  describe("every model works through the generated client", () => {
    let db: Db;
    beforeAll(() => {
      db = createDb(env().DATABASE_URL, { max: 2 });
    });
    afterAll(async () => {
      await db.$disconnect();
    });

    it("writes and reads each model and its relations", async () => {
      const user = await createUser(db, { role: "POWER_USER_PLUS", isAuditor: true });
      const team = await createTeam(db, { source: "IDP", externalId: `group-${user.id}` });
      await db.teamMember.create({ data: { teamId: team.id, userId: user.id, source: "IDP" } });
      await db.account.create({
        data: { userId: user.id, type: "oidc", provider: "test-idp", providerAccountId: user.id },
      });
      await db.session.create({
        data: {
          userId: user.id,
          sessionToken: `session-${user.id}`,
          expires: new Date(Date.now() + 3600_000),
        },
      });
      await db.verificationToken.create({
        data: { identifier: user.email, token: `token-${user.id}`, expires: new Date(Date.now() + 3600_000) },
      });
      const server = await createServer(db, { ownerId: user.id, tags: ["a", "b"] });
      const registry = await createRegistry(db, { ownerId: user.id });
      await db.registrySubject.create({ data: { registryId: registry.id, kind: "TEAM", teamId: team.id } });
      await db.registryServer.create({
        data: { registryId: registry.id, serverId: server.id, allowedTools: ["echo"] },
      });
      const connection = await db.connection.create({
        data: {
          publicId: `c_${user.id}`,
          userId: user.id,
          serverId: server.id,
          serverVersionId: server.versionId,
          name: "mine",
          config: { region: "eu" },
          secrets: Buffer.from([1, 2, 3]),
        },
      });
      await db.apiToken.create({
        data: {
          userId: user.id,
          name: "ci",
          keyId: `k_${user.id}`,
          secretHash: "hash",
          scopes: [{ serverId: server.id }],
        },
      });
      const auditEvent = await db.auditEvent.create({
        data: {
          action: "test.event",
          actorUserId: user.id,
          connectionId: connection.id,
          requestBody: Buffer.from("x"),
        },
      });
      await db.setting.create({ data: { key: `test.${user.id}`, value: { on: true } } });

      const loaded = await db.user.findUniqueOrThrow({
        where: { id: user.id },
        include: {
          accounts: true,
          sessions: true,
          teamMemberships: { include: { team: true } },
          ownedServers: { include: { approvedVersion: true, registryEntries: true } },
          ownedRegistries: { include: { subjects: true, servers: true } },
          connections: true,
          apiTokens: true,
        },
      });
      expect(loaded.teamMemberships[0]?.team.externalId).toBe(`group-${user.id}`);
      expect(loaded.ownedServers[0]?.tags).toEqual(["a", "b"]);
      expect(loaded.ownedServers[0]?.approvedVersion?.id).toBe(server.versionId);
      expect(loaded.ownedRegistries[0]?.servers[0]?.allowedTools).toEqual(["echo"]);
      expect(Buffer.from(loaded.connections[0]?.secrets ?? []).equals(Buffer.from([1, 2, 3]))).toBe(true);
      expect(loaded.apiTokens[0]?.scopes).toEqual([{ serverId: server.id }]);
      expect(auditEvent.actorUserId).toBe(user.id);
      expect(loaded.accounts).toHaveLength(1);
      expect(loaded.sessions).toHaveLength(1);
      // uuid(7) ids sort by creation time
      expect(user.id < server.id).toBe(true);
    });

    it("keeps an audit row's actor when the user row is deleted (no foreign key to null it)", async () => {
      const user = await createUser(db);
      const event = await db.auditEvent.create({ data: { action: "test.event", actorUserId: user.id } });
      await db.user.delete({ where: { id: user.id } });
      const kept = await db.auditEvent.findUniqueOrThrow({ where: { id: event.id } });
      expect(kept.actorUserId).toBe(user.id);
    });

    it("enforces the unique constraints the schema declares", async () => {
      const user = await createUser(db);
      await expect(createUser(db, { email: user.email })).rejects.toThrow();
    });
  });
});
