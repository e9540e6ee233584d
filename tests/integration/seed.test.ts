import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_OWNER_EMAIL, DEMO_SEEDED_SETTING, seedDemo } from "@/prisma/seed/demo";
import { createTeam } from "@/prisma/seed/factories";
import { verifyPassword } from "@/server/crypto/password";
import { createDb, type Db } from "@/server/db";
import { migrate } from "@/server/db/migrate";
import { getOutboundPolicy } from "@/server/services/settings/outbound-policy";
import { gatehouseWith } from "./helpers/gatehouse-cli";
import { createDatabase, dropDatabase } from "./helpers/test-database";

describe("demo seed", () => {
  let database: { name: string; url: string };
  let db: Db;

  beforeAll(async () => {
    // Its own database: the demo uses fixed slugs and emails.
    database = await createDatabase("gatehouse_seed");
    await migrate(database.url);
    db = createDb(database.url, { max: 2 });
  });
  afterAll(async () => {
    await db.$disconnect();
    await dropDatabase(database.name);
  });

  it("creates a believable installation once, with an owner who can sign in", async () => {
    const first = await seedDemo({ db, upstreamPort: 4901 });
    expect(first.created).toBe(true);
    if (!first.created) return;
    expect(first.ownerPassword).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);

    const owner = await db.user.findUniqueOrThrow({ where: { email: DEMO_OWNER_EMAIL } });
    expect(owner.role).toBe("OWNER");
    expect(owner.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(owner.passwordHash ?? "", first.ownerPassword)).toBe(true);
    expect(await verifyPassword(owner.passwordHash ?? "", "wrong password")).toBe(false);

    expect(await db.team.count()).toBe(3);
    const approved = await db.server.findMany({
      where: { status: "APPROVED" },
      include: { approvedVersion: true },
    });
    expect(approved.map((server) => server.approvedVersion?.url).sort()).toEqual([
      "http://127.0.0.1:4901/mcp",
      "http://127.0.0.1:4902/sse",
    ]);
    expect(await db.server.count({ where: { status: { not: "APPROVED" } } })).toBe(2);
    const everyone = await db.registrySubject.findFirst({
      where: { kind: "EVERYONE" },
      include: { registry: true },
    });
    expect(everyone?.registry.slug).toBe("company-defaults");
    expect(await db.auditEvent.count({ where: { action: "system.demo.seed" } })).toBe(1);
    // Its local upstreams are allowed, for every publisher's servers (a Power user's personal one too).
    expect(await getOutboundPolicy(db)).toEqual({
      allowedHosts: ["127.0.0.1:4901", "127.0.0.1:4902"],
      everyoneHosts: ["127.0.0.1:4901", "127.0.0.1:4902"],
    });
  });

  it("adds all of the demo or nothing: a failure half-way leaves no owner nor allowed host, and it can run again", async () => {
    const fresh = await createDatabase("gatehouse_seed_atomic");
    const freshDb = createDb(fresh.url, { max: 2 });
    try {
      await migrate(fresh.url);
      // A team already holds one of the demo's slugs: the seed fails when it reaches the teams.
      const taken = await createTeam(freshDb, { slug: "platform" });
      await expect(seedDemo({ db: freshDb, upstreamPort: 4901 })).rejects.toThrow();
      expect(await freshDb.user.count()).toBe(0);
      expect((await getOutboundPolicy(freshDb)).allowedHosts).toEqual([]);
      expect(await freshDb.setting.count({ where: { key: DEMO_SEEDED_SETTING } })).toBe(0);

      await freshDb.team.delete({ where: { id: taken.id } });
      const again = await seedDemo({ db: freshDb, upstreamPort: 4901 });
      expect(again.created).toBe(true);
      expect(await freshDb.user.count()).toBe(6);
    } finally {
      await freshDb.$disconnect();
      await dropDatabase(fresh.name);
    }
  });

  it("runs from the command line on a fresh database, and the command exits when done", async () => {
    const fresh = await createDatabase("gatehouse_seed_cli");
    try {
      await migrate(fresh.url);
      const seeded = gatehouseWith({ DATABASE_URL: fresh.url }, "seed");
      // A connection left open (the Redis client the seed's allow-list change opens) would keep
      // the process alive until the helper's timeout kills it (code null).
      expect(seeded).toMatchObject({ code: 0, err: "" });
      expect(seeded.out).toContain("Demo added.");
    } finally {
      await dropDatabase(fresh.name);
    }
  }, 120_000);

  it("does nothing the second time", async () => {
    const again = await seedDemo({ db, upstreamPort: 4901 });
    expect(again).toEqual({ created: false, ownerEmail: DEMO_OWNER_EMAIL });
    expect(await db.user.count()).toBe(6);
  });
});
