import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry, createServer, createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { authenticateApiToken } from "@/server/services/tokens/authenticate-api-token";
import { gatehouse } from "./helpers/gatehouse-cli";

/** `gatehouse token …` against the test database, as an operator would run it. */

const SUFFIX = uniqueSuffix();
let user: { id: string; email: string };
let server: { id: string; slug: string; versionId: string };

beforeAll(async () => {
  user = await createUser(db(), { email: `cli-tokens-${SUFFIX}@example.test` });
  server = await createServer(db(), { ownerId: user.id, slug: `cli-tools-${SUFFIX}` });
  await db().serverVersion.update({
    where: { id: server.versionId },
    data: { capabilities: { tools: [{ name: "echo" }, { name: "add" }], prompts: [], resources: [] } },
  });
  const registry = await createRegistry(db(), { ownerId: user.id });
  await db().registrySubject.create({ data: { registryId: registry.id, kind: "USER", userId: user.id } });
  await db().registryServer.create({ data: { registryId: registry.id, serverId: server.id } });
});

afterAll(async () => {
  await disconnectDb();
});

describe("gatehouse token", () => {
  it("issues a scoped token once, lists it without its secret, and revokes it by key id", async () => {
    const issued = gatehouse(
      "token",
      "issue",
      "--user",
      user.email,
      "--name",
      "CI bot",
      "--server",
      server.slug.toUpperCase(),
      "--tools",
      "echo",
      "--expires-in",
      "7d",
      "--ip",
      "10.0.0.0/8",
    );
    expect(issued.err).toBe("");
    expect(issued.code).toBe(0);
    const token = /^token: (gh_\S+)$/m.exec(issued.out)?.[1] ?? "";
    expect(token).toMatch(/^gh_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    expect(issued.out).toContain("only time the token is shown");
    const keyId = token.slice(3, 15);

    const row = await db().apiToken.findUniqueOrThrow({ where: { keyId } });
    expect(row).toMatchObject({
      userId: user.id,
      name: "CI bot",
      scopes: [{ serverId: server.id, tools: ["echo"] }],
      ipAllowList: ["10.0.0.0/8"],
    });
    expect(row.secretHash).toBe(createHash("sha256").update(token.slice(16)).digest("hex"));
    const days = ((row.expiresAt?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    await expect(authenticateApiToken({ db: db(), token, clientIp: "10.1.2.3" })).resolves.toMatchObject({
      user: { id: user.id },
    });

    const listed = gatehouse("token", "list", "--user", user.email);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`gh_${keyId}_…  CI bot  [active]`);
    expect(listed.out).toContain(`scope: server ${server.slug} [tools: echo]`);
    expect(listed.out).toContain("from: 10.0.0.0/8");
    expect(listed.out).not.toContain(token.slice(16));

    const revoked = gatehouse("token", "revoke", `gh_${keyId}_…`);
    expect(revoked.err).toBe("");
    expect(revoked.out).toContain(`revoked gh_${keyId}_… "CI bot"`);
    await expect(authenticateApiToken({ db: db(), token, clientIp: "10.1.2.3" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    expect(gatehouse("token", "revoke", keyId).out).toContain("was already revoked");
    expect(gatehouse("token", "list", "--user", user.email).out).toContain("[revoked]");

    const events = await db().auditEvent.findMany({
      where: { targetId: row.id },
      orderBy: { occurredAt: "asc" },
    });
    expect(events.map((event) => [event.action, event.actorUserId, event.userAgent])).toEqual([
      ["token.issue", null, "gatehouse-cli"],
      ["token.revoke", null, "gatehouse-cli"],
    ]);
    expect(events[1]?.metadata).toMatchObject({ ownerUserId: user.id, revokedBy: "operator" });
  });

  it("refuses bad input with one clear line and exit code 1", () => {
    const cases: [string[], RegExp][] = [
      [["token", "issue", "--user", `nobody-${SUFFIX}@example.test`, "--name", "x"], /no user with email/],
      [
        ["token", "issue", "--user", user.email, "--name", "x", "--server", "no-such-server"],
        /cannot see a server with slug "no-such-server"/,
      ],
      [
        ["token", "issue", "--user", user.email, "--name", "x", "--server", server.slug, "--tools", "rm-rf"],
        /"rm-rf" is not a tool you may call/,
      ],
      [["token", "issue", "--user", user.email, "--name", "x", "--expires-in", "soon"], /is not a lifetime/],
      [["token", "issue", "--user", user.email, "--name", "x", "--ip", "999.1.1.1"], /not an IP address/],
      [["token", "revoke", "zzzzzzzzzzzz"], /no token with key id/],
    ];
    for (const [args, message] of cases) {
      const result = gatehouse(...args);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.err).toMatch(new RegExp(`^gatehouse: .*${message.source}`, "m"));
      expect(result.err).not.toMatch(/\n\s+at .+:\d+/);
      expect(result.out).not.toMatch(/token: gh_/);
    }
  });
});
