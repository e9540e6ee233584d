import { afterAll, describe, expect, it } from "vitest";
import { createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { closeQueues } from "@/server/queue/queues";
import { createServer } from "@/server/services/servers/create-server";
import { actorFromUser } from "@/server/services/servers/server-actor";
import { allowOutboundHosts } from "@/server/services/settings/outbound-policy";
import { gatehouse } from "./helpers/gatehouse-cli";

/** `gatehouse server add|approve|list` against the test database, as an operator would run them. */

afterAll(async () => {
  await closeQueues();
  await disconnectDb();
});

describe("gatehouse server commands", () => {
  it("adds a shared remote server (published at once by the operator) and a personal stdio one", async () => {
    const owner = await createUser(db(), { role: "POWER_USER_PLUS" });
    const host = `cli-${uniqueSuffix()}.invalid`;
    await allowOutboundHosts(db(), [host]);
    const slug = `cli-remote-${uniqueSuffix()}`;
    const added = gatehouse(
      "server",
      "add",
      "--owner",
      owner.email.toUpperCase(),
      "--slug",
      slug,
      "--name",
      "CLI Remote",
      "--description",
      "Added from the terminal",
      "--url",
      `https://${host}/sse`,
      "--transport",
      "sse",
    );
    expect(added.err).toBe("");
    expect(added.code).toBe(0);
    const server = await db().server.findUniqueOrThrow({ where: { slug }, include: { versions: true } });
    expect(added.out).toBe(`created server ${slug} (APPROVED, shared) id ${server.id}\n`);
    expect(server).toMatchObject({
      name: "CLI Remote",
      description: "Added from the terminal",
      ownerId: owner.id,
      scope: "SHARED",
      status: "APPROVED",
      approvedVersionId: server.versions[0]?.id,
    });
    expect(server.versions[0]).toMatchObject({
      version: "1.0.0",
      transport: "SSE",
      url: `https://${host}/sse`,
      status: "APPROVED",
      createdById: null,
      reviewedById: null,
    });
    const event = await db().auditEvent.findFirstOrThrow({
      where: { targetId: server.id, action: "server.create" },
    });
    expect(event).toMatchObject({ actorUserId: null, userAgent: "gatehouse-cli" });
    expect(event.metadata).toMatchObject({ via: "cli", after: { ownerId: owner.id, status: "APPROVED" } });

    const stdioSlug = `cli-stdio-${uniqueSuffix()}`;
    const stdio = gatehouse(
      "server",
      "add",
      "--owner",
      owner.email,
      "--slug",
      stdioSlug,
      "--command",
      "npx",
      "--arg",
      "-y",
      "--arg",
      "@acme/weather-mcp@2.1.0",
      "--personal",
      "--draft",
    );
    expect(stdio.err).toBe("");
    expect(stdio.out).toContain(`created server ${stdioSlug} (DRAFT, personal)`);
    const stdioRow = await db().server.findUniqueOrThrow({
      where: { slug: stdioSlug },
      include: { versions: true },
    });
    expect(stdioRow.versions[0]).toMatchObject({
      transport: "STDIO",
      command: "npx",
      args: ["-y", "@acme/weather-mcp@2.1.0"],
      status: "DRAFT",
    });

    const listed = gatehouse("server", "list");
    expect(listed.code).toBe(0);
    const lines = listed.out.split("\n");
    expect(lines[0]).toMatch(/^SLUG\s+STATUS\s+SCOPE\s+OWNER\s+APPROVED$/);
    expect(lines.find((line) => line.startsWith(`${slug} `))).toMatch(
      new RegExp(`^${slug}\\s+APPROVED\\s+SHARED\\s+${owner.email.replace(/[.]/g, "\\.")}\\s+1\\.0\\.0$`),
    );
    expect(lines.find((line) => line.startsWith(`${stdioSlug} `))).toMatch(/\sDRAFT\s+PERSONAL\s/);
  });

  it("approves a server waiting for review and notifies its owner", async () => {
    const owner = await createUser(db(), { role: "POWER_USER_PLUS" });
    const pending = await createServer({
      db: db(),
      actor: actorFromUser(owner),
      context: { actorUserId: owner.id },
      intent: "publish",
      scope: "SHARED",
      metadata: { name: "Needs review", slug: `needs-review-${uniqueSuffix()}` },
      version: "3.1.4",
      definition: { transport: "STDIO", command: "npx", args: ["-y", "needs-review@3.1.4"] },
    });
    expect(pending.status).toBe("PENDING_APPROVAL");

    const approved = gatehouse("server", "approve", pending.slug.toUpperCase(), "--reason", "Checked by ops");
    expect(approved.err).toBe("");
    expect(approved.out).toBe(`approved ${pending.slug} version 3.1.4\n`);
    const row = await db().server.findUniqueOrThrow({ where: { id: pending.id } });
    expect(row).toMatchObject({ status: "APPROVED", approvedVersionId: pending.versions[0]?.id });
    const version = await db().serverVersion.findUniqueOrThrow({ where: { id: pending.versions[0]?.id } });
    expect(version).toMatchObject({ status: "APPROVED", reviewReason: "Checked by ops", reviewedById: null });
    const notification = await db().notification.findFirstOrThrow({ where: { userId: owner.id } });
    expect(notification).toMatchObject({
      kind: "server.approved",
      title: '"Needs review" 3.1.4 was approved',
      body: "Checked by ops",
      link: `/servers/${pending.id}`,
    });
    const event = await db().auditEvent.findFirstOrThrow({
      where: { targetId: pending.id, action: "server.approve" },
    });
    expect(event).toMatchObject({ actorUserId: null, userAgent: "gatehouse-cli", reason: "Checked by ops" });
    expect(event.metadata).toMatchObject({ via: "cli", version: "3.1.4" });

    const again = gatehouse("server", "approve", pending.slug);
    expect(again.code).toBe(1);
    expect(again.err).toBe(`gatehouse: ${pending.slug} has no version waiting for review\n`);
  });

  it("refuses bad input with a clear message and exit code 1", async () => {
    const owner = await createUser(db(), { role: "POWER_USER" });
    const shell = gatehouse(
      "server",
      "add",
      "--owner",
      owner.email,
      "--slug",
      `shell-${uniqueSuffix()}`,
      "--command",
      "bash",
      "--arg",
      "-c",
      "--arg",
      "id",
    );
    expect(shell.code).toBe(1);
    expect(shell.err).toBe(
      'gatehouse: This command is refused: "bash" is not an allowed command (allowed: npx, uvx).\n  command: This command is refused: "bash" is not an allowed command (allowed: npx, uvx).\n',
    );
    const loopback = gatehouse(
      "server",
      "add",
      "--owner",
      owner.email,
      "--slug",
      `loop-${uniqueSuffix()}`,
      "--url",
      "http://127.0.0.1:1/mcp",
    );
    expect(loopback.code).toBe(1);
    expect(loopback.err).toContain("This URL is refused: 127.0.0.1, a loopback address");
    const both = gatehouse(
      "server",
      "add",
      "--owner",
      owner.email,
      "--slug",
      "x",
      "--url",
      "https://a.example",
      "--command",
      "npx",
    );
    expect(both.err).toBe("gatehouse: give either --url (remote) or --command (stdio)\n");
    const nobody = gatehouse(
      "server",
      "add",
      "--owner",
      "nobody@example.test",
      "--slug",
      "x",
      "--command",
      "npx",
    );
    expect(nobody.err).toBe("gatehouse: no user with email nobody@example.test\n");
    const missing = gatehouse("server", "approve", `missing-${uniqueSuffix()}`);
    expect(missing.err).toMatch(/^gatehouse: no server with slug "missing-[0-9a-f]+"\n$/);
    expect(`${shell.err}${loopback.err}${both.err}${missing.err}`).not.toMatch(/\n\s+at .+:\d+/);
  });
});
