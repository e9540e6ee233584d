import { afterAll, describe, expect, it } from "vitest";
import { createServer, createTeam, createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { listVisibleServers } from "@/server/services/catalog/visible-servers";
import { gatehouse } from "./helpers/gatehouse-cli";

/** `gatehouse registry create|list|grant` against the test database, as an operator would run them. */

afterAll(async () => {
  await disconnectDb();
});

describe("gatehouse registry", () => {
  it("creates a registry, grants a server with a tool allow-list to a team, and lists it", {
    timeout: 120_000,
  }, async () => {
    const suffix = uniqueSuffix();
    const [owner, member] = await Promise.all([
      createUser(db(), { role: "POWER_USER_PLUS", email: `reg-owner-${suffix}@example.test` }),
      createUser(db()),
    ]);
    const team = await createTeam(db(), { slug: `ops-${suffix}`, name: `Ops ${suffix}` });
    await db().teamMember.create({ data: { teamId: team.id, userId: member.id } });
    const server = await createServer(db(), { ownerId: owner.id, slug: `tools-${suffix}` });
    await db().serverVersion.update({
      where: { id: server.versionId },
      data: { capabilities: { tools: [{ name: "echo" }, { name: "add" }], prompts: [], resources: [] } },
    });
    const slug = `ops-tools-${suffix}`;

    const created = gatehouse("registry", "create", slug, "--name", "Ops tools", "--owner", owner.email);
    expect(created.err).toBe("");
    expect(created.code).toBe(0);
    expect(created.out).toContain(`created registry Ops tools (${slug}), owned by ${owner.email}`);

    const granted = gatehouse(
      "registry",
      "grant",
      slug,
      "--server",
      server.slug,
      "--tools",
      "echo",
      "--team",
      team.slug,
    );
    expect(granted.err).toBe("");
    expect(granted.code).toBe(0);
    expect(granted.out).toContain(`${slug}: added ${server.slug} (tools: echo)`);
    expect(granted.out).toContain(`${slug}: granted to team ${team.name}`);
    const visible = (await listVisibleServers({ db: db(), userId: member.id })).find(
      (s) => s.serverId === server.id,
    );
    expect(visible?.allowedTools).toEqual(["echo"]);

    // Running it again with other tools changes the allow-list and adds nothing twice.
    const again = gatehouse(
      "registry",
      "grant",
      slug,
      "--server",
      server.slug,
      "--tools",
      "echo,add",
      "--team",
      team.slug,
    );
    expect(again.code).toBe(0);
    expect(again.out).toContain(`${server.slug} now allows echo, add`);
    expect(again.out).toContain(`already granted to team ${team.name}`);

    const listed = gatehouse("registry", "list");
    expect(listed.code).toBe(0);
    const line = listed.out.split("\n").find((row) => row.startsWith(`${slug}\t`));
    expect(line).toBe(
      `${slug}\tOps tools\towner ${owner.email}\t1 subjects: ${team.name}\t1 servers: ${server.name}`,
    );

    const registry = await db().registry.findUniqueOrThrow({
      where: { slug },
      include: { subjects: true, servers: true },
    });
    expect(registry.ownerId).toBe(owner.id);
    expect(registry.subjects.map((subject) => [subject.kind, subject.teamId])).toEqual([["TEAM", team.id]]);
    expect(registry.servers.map((entry) => entry.allowedTools.sort())).toEqual([["add", "echo"]]);
    const actions = (
      await db().auditEvent.findMany({
        where: { targetId: registry.id },
        orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
      })
    ).map((event) => [event.action, event.actorUserId, event.userAgent]);
    expect(actions).toEqual([
      ["registry.create", null, "gatehouse-cli"],
      ["registry.server.add", null, "gatehouse-cli"],
      ["registry.subject.add", null, "gatehouse-cli"],
      ["registry.server.update_tools", null, "gatehouse-cli"],
    ]);
  });

  it("refuses an unknown registry, a personal server and a missing subject with one clear line", {
    timeout: 180_000,
  }, async () => {
    const suffix = uniqueSuffix();
    const owner = await createUser(db(), { role: "POWER_USER" });
    const personal = await createServer(db(), {
      ownerId: owner.id,
      slug: `mine-${suffix}`,
      scope: "PERSONAL",
    });
    const shared = await createServer(db(), { ownerId: owner.id, slug: `shared-${suffix}` });
    const slug = `cli-${suffix}`;

    const unknown = gatehouse("registry", "grant", `nope-${suffix}`, "--server", shared.slug, "--everyone");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(
      /^gatehouse: no registry with slug "nope-.*"; create it first with: gatehouse registry create/m,
    );
    expect(await db().registry.count({ where: { slug: `nope-${suffix}` } })).toBe(0);

    expect(gatehouse("registry", "create", slug, "--name", "CLI", "--owner", owner.email).code).toBe(0);
    const personalGrant = gatehouse("registry", "grant", slug, "--server", personal.slug, "--everyone");
    expect(personalGrant.code).toBe(1);
    expect(personalGrant.err).toMatch(/is a personal server/);
    const noSubject = gatehouse("registry", "grant", slug, "--server", shared.slug);
    expect(noSubject.code).toBe(1);
    expect(noSubject.err).toContain("name exactly one subject");
    const twoSubjects = gatehouse(
      "registry",
      "grant",
      slug,
      "--server",
      shared.slug,
      "--everyone",
      "--user",
      owner.email,
    );
    expect(twoSubjects.code).toBe(1);
    const badTool = gatehouse(
      "registry",
      "grant",
      slug,
      "--server",
      shared.slug,
      "--tools",
      "no way",
      "--everyone",
    );
    expect(badTool.code).toBe(1);
    expect(badTool.err).toMatch(/"no way" is not a tool name/);
    const duplicate = gatehouse("registry", "create", slug, "--name", "Again", "--owner", owner.email);
    expect(duplicate.code).toBe(1);
    expect(duplicate.err).toContain(`The slug "${slug}" is taken`);

    const registry = await db().registry.findUniqueOrThrow({
      where: { slug },
      include: { subjects: true, servers: true },
    });
    expect(registry.subjects).toEqual([]);
    expect(registry.servers).toEqual([]);
    const all = `${unknown.err}${personalGrant.err}${noSubject.err}${twoSubjects.err}${badTool.err}${duplicate.err}`;
    expect(all).not.toMatch(/\n\s+at .+:\d+/);
  });
});
