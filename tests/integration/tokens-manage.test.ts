import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRegistry, createServer, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { disconnectRedis } from "@/server/redis";
import { newConnectionPublicId } from "@/server/services/connections/connection-url";
import { authenticateApiToken } from "@/server/services/tokens/authenticate-api-token";
import { MAX_ACTIVE_TOKENS_PER_USER } from "@/server/services/tokens/issue-api-token";
import {
  subscribeTokenRevocations,
  type TokenRevokedMessage,
} from "@/server/services/tokens/token-revocation-events";
import { deactivateUser } from "@/server/services/users/deactivate-user";
import { type Caller, callerFor, expectTrpcError, TEST_CLIENT_IP } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/**
 * Personal API tokens through the tokens router, as the Tokens page uses them: issued once and
 * stored as a hash, scoped only to what the user may reach, listed without secrets, revoked by
 * their owner or an Admin (audited, broadcast through Redis) and refused on the very next request.
 */

type SignedIn = Awaited<ReturnType<typeof signedInUser>>;
const SUFFIX = uniqueSuffix();
const TOOLS = ["add", "echo", "shutdown"];

let alice: SignedIn;
let bob: SignedIn;
let admin: SignedIn;
let asAlice: Caller;
let asBob: Caller;
let asAdmin: Caller;
let shared: { id: string; name: string; slug: string; versionId: string };
let undiscovered: { id: string; name: string; versionId: string };
let hidden: { id: string };
let aliceConnection: { id: string; name: string };
let bobConnection: { id: string };
let registryId: string;

async function connect(userId: string, server: { id: string; versionId: string }, name: string) {
  return db().connection.create({
    data: {
      publicId: newConnectionPublicId(),
      userId,
      serverId: server.id,
      serverVersionId: server.versionId,
      name,
      status: "CONFIGURED",
    },
    select: { id: true, name: true },
  });
}

beforeAll(async () => {
  [alice, bob, admin] = await Promise.all([
    signedInUser(db(), "BASIC_USER"),
    signedInUser(db(), "BASIC_USER"),
    signedInUser(db(), "ADMIN"),
  ]);
  [asAlice, asBob, asAdmin] = await Promise.all([
    callerFor(alice.sessionId),
    callerFor(bob.sessionId),
    callerFor(admin.sessionId),
  ]);

  const owner = admin.user.id;
  shared = await createServer(db(), { ownerId: owner, name: `Toolbox ${SUFFIX}`, slug: `toolbox-${SUFFIX}` });
  await db().serverVersion.update({
    where: { id: shared.versionId },
    data: {
      capabilities: {
        tools: TOOLS.map((name) => ({ name, description: `${name} tool` })),
        prompts: [],
        resources: [],
      },
    },
  });
  undiscovered = await createServer(db(), { ownerId: owner, name: `Unknown ${SUFFIX}` });
  hidden = await createServer(db(), { ownerId: owner, name: `Hidden ${SUFFIX}` });

  // Alice and Bob may use the toolbox's add and echo (not shutdown), and Alice the undiscovered one.
  const registry = await createRegistry(db(), { ownerId: owner });
  registryId = registry.id;
  await db().registrySubject.createMany({
    data: [
      { registryId, kind: "USER", userId: alice.user.id },
      { registryId, kind: "USER", userId: bob.user.id },
    ],
  });
  await db().registryServer.create({
    data: { registryId, serverId: shared.id, allowedTools: ["add", "echo"] },
  });
  const aliceOnly = await createRegistry(db(), { ownerId: owner });
  await db().registrySubject.create({
    data: { registryId: aliceOnly.id, kind: "USER", userId: alice.user.id },
  });
  await db().registryServer.create({ data: { registryId: aliceOnly.id, serverId: undiscovered.id } });

  aliceConnection = await connect(alice.user.id, shared, "Alice's toolbox");
  bobConnection = await connect(bob.user.id, shared, "Bob's toolbox");
});

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

function never() {
  return { kind: "never" as const };
}

function authenticate(token: string, clientIp: string | null = null, now?: Date) {
  return authenticateApiToken({ db: db(), token, clientIp, now });
}

async function tokenCount(userId: string) {
  return db().apiToken.count({ where: { userId } });
}

describe("issuing", () => {
  it("returns the token once; the list shows its prefix and resolved scope, never the secret or hash", async () => {
    const issued = await asAlice.tokens.issue({
      name: "  Claude Code on my laptop ",
      scopes: [{ connectionId: aliceConnection.id, tools: ["echo"] }, { serverId: undiscovered.id }],
      expiry: { kind: "days", days: 30 },
    });
    expect(issued.token).toMatch(/^gh_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    expect(issued.token.startsWith(`gh_${issued.keyId}_`)).toBe(true);
    expect(issued.name).toBe("Claude Code on my laptop");
    const days = ((issued.expiresAt?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThanOrEqual(30);

    const secret = issued.token.slice(`gh_${issued.keyId}_`.length);
    const row = await db().apiToken.findUniqueOrThrow({ where: { id: issued.id } });
    expect(row.secretHash).toBe(createHash("sha256").update(secret).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(secret);

    const list = await asAlice.tokens.list();
    const listed = list.find((token) => token.id === issued.id);
    expect(listed).toMatchObject({
      name: "Claude Code on my laptop",
      keyId: issued.keyId,
      displayPrefix: `gh_${issued.keyId}_…`,
      status: "active",
      usageCount: 0,
      lastUsedAt: null,
      revokedAt: null,
      ipAllowList: [],
      scopes: [
        {
          kind: "connection",
          id: aliceConnection.id,
          name: "Alice's toolbox",
          serverName: shared.name,
          tools: ["echo"],
          state: "ok",
        },
        { kind: "server", id: undiscovered.id, name: undiscovered.name, tools: null, state: "ok" },
      ],
    });
    const text = JSON.stringify(list);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(row.secretHash);
    expect(text).not.toMatch(/secretHash|"token"/);

    // The token works, and its use shows in the list.
    await expect(authenticate(issued.token)).resolves.toMatchObject({ tokenId: issued.id });
    const used = (await asAlice.tokens.list()).find((token) => token.id === issued.id);
    expect(used?.usageCount).toBe(1);
    expect(used?.lastUsedAt).toBeInstanceOf(Date);

    const audit = await db().auditEvent.findFirstOrThrow({
      where: { action: "token.issue", targetId: issued.id },
    });
    expect(audit).toMatchObject({ actorUserId: alice.user.id, clientIp: TEST_CLIENT_IP });
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it("another user's connection and an invisible server are not found; nothing is issued", async () => {
    const before = await tokenCount(alice.user.id);
    await expectTrpcError(
      asAlice.tokens.issue({ name: "x", scopes: [{ connectionId: bobConnection.id }], expiry: never() }),
      "NOT_FOUND",
      "A connection in the scope was not found.",
    );
    await expectTrpcError(
      asAlice.tokens.issue({ name: "x", scopes: [{ serverId: hidden.id }], expiry: never() }),
      "NOT_FOUND",
      "A server in the scope was not found.",
    );
    await expectTrpcError(
      asAlice.tokens.issue({ name: "x", scopes: [{ serverId: "../../etc" }], expiry: never() }),
      "NOT_FOUND",
    );
    expect(await tokenCount(alice.user.id)).toBe(before);
  });

  it("refuses tools the user may not call: undiscovered names, and discovered tools the registry withholds", async () => {
    await expectTrpcError(
      asAlice.tokens.issue({
        name: "x",
        scopes: [{ connectionId: aliceConnection.id, tools: ["echo", "nonexistent"] }],
        expiry: never(),
      }),
      "BAD_REQUEST",
      `"nonexistent" is not a tool you may call on ${shared.name}.`,
    );
    await expectTrpcError(
      asAlice.tokens.issue({
        name: "x",
        scopes: [{ serverId: shared.id, tools: ["shutdown"] }],
        expiry: never(),
      }),
      "BAD_REQUEST",
      `"shutdown" is not a tool you may call on ${shared.name}.`,
    );
    await expectTrpcError(
      asAlice.tokens.issue({ name: "x", scopes: [{ serverId: shared.id, tools: [] }], expiry: never() }),
      "BAD_REQUEST",
      /at least one tool/,
    );
    // Nothing is known about the undiscovered server's tools yet, so any name is taken at its word.
    const issued = await asAlice.tokens.issue({
      name: "narrow",
      scopes: [
        { serverId: undiscovered.id, tools: ["b-tool", "a-tool", "a-tool"] },
        { serverId: shared.id, tools: ["add", "echo"] },
      ],
      expiry: never(),
    });
    expect(issued.scopes).toEqual([
      { serverId: undiscovered.id, tools: ["a-tool", "b-tool"] },
      { serverId: shared.id, tools: ["add", "echo"] },
    ]);
    expect(issued.expiresAt).toBeNull();
  });

  it("counts a scope's tools after merging repeated entries for one target", async () => {
    const names = (from: number) => Array.from({ length: 300 }, (_, i) => `tool-${from + i}`);
    await expectTrpcError(
      asAlice.tokens.issue({
        name: "too wide",
        scopes: [
          { serverId: undiscovered.id, tools: names(0) },
          { serverId: undiscovered.id, tools: names(300) },
        ],
        expiry: never(),
      }),
      "BAD_REQUEST",
      "A scope names at most 500 tools per connection or server.",
    );
  });

  it(`holds at most ${MAX_ACTIVE_TOKENS_PER_USER} active tokens per user; revoked and expired ones do not count`, async () => {
    const user = await signedInUser(db(), "BASIC_USER");
    const caller = await callerFor(user.sessionId);
    const rows = (count: number, extra: { revokedAt?: Date; expiresAt?: Date } = {}) =>
      Array.from({ length: count }, (_, i) => ({
        userId: user.user.id,
        name: `bulk ${i}`,
        keyId: createHash("sha256")
          .update(`${user.user.id}:${i}:${JSON.stringify(extra)}`)
          .digest("hex")
          .slice(0, 12),
        secretHash: createHash("sha256").update(`secret ${i}`).digest("hex"),
        scopes: [],
        ipAllowList: [],
        ...extra,
      }));
    await db().apiToken.createMany({
      data: [
        ...rows(MAX_ACTIVE_TOKENS_PER_USER - 1),
        ...rows(3, { revokedAt: new Date() }),
        ...rows(3, { expiresAt: new Date(Date.now() - 1000) }),
      ],
    });
    const last = await caller.tokens.issue({ name: "the last one", scopes: [], expiry: never() });
    await expectTrpcError(
      caller.tokens.issue({ name: "one too many", scopes: [], expiry: never() }),
      "BAD_REQUEST",
      `You have ${MAX_ACTIVE_TOKENS_PER_USER} active tokens, the most one person may hold. Revoke the ones you no longer use, then create this one.`,
    );
    await caller.tokens.revoke({ tokenId: last.id });
    await expect(
      caller.tokens.issue({ name: "room again", scopes: [], expiry: never() }),
    ).resolves.toMatchObject({ name: "room again" });
  });

  it("is refused when the owner's deactivation commits while the token is being issued", async () => {
    const user = await signedInUser(db(), "BASIC_USER");
    const caller = await callerFor(user.sessionId);
    let issuing: Promise<unknown> = Promise.resolve();
    // Holds the user row as a deactivation does, deactivates, and commits only once the issue waits.
    await db().$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM "User" WHERE id = ${user.user.id}::uuid FOR UPDATE`;
      issuing = caller.tokens.issue({ name: "racing", scopes: [], expiry: never() }).then(
        () => null,
        (error: unknown) => error,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      await tx.user.update({ where: { id: user.user.id }, data: { status: "DEACTIVATED" } });
    });
    expect(await issuing).toMatchObject({ code: expect.stringMatching(/FORBIDDEN|UNAUTHORIZED/) });
    expect(await tokenCount(user.user.id)).toBe(0);
  });

  it("issues a token with an empty scope, which grants nothing", async () => {
    const issued = await asAlice.tokens.issue({ name: "empty", scopes: [], expiry: never() });
    const listed = (await asAlice.tokens.list()).find((token) => token.id === issued.id);
    expect(listed?.scopes).toEqual([]);
    await expect(authenticate(issued.token)).resolves.toMatchObject({ scopes: [] });
  });

  it("validates name and expiry", async () => {
    await expectTrpcError(asAlice.tokens.issue({ name: "   ", scopes: [], expiry: never() }), "BAD_REQUEST");
    await expectTrpcError(
      asAlice.tokens.issue({ name: "x".repeat(101), scopes: [], expiry: never() }),
      "BAD_REQUEST",
    );
    await expectTrpcError(
      asAlice.tokens.issue({
        name: "past",
        scopes: [],
        expiry: { kind: "date", date: new Date(Date.now() - 1000) },
      }),
      "BAD_REQUEST",
      "The expiry date must be in the future.",
    );
    await expectTrpcError(
      asAlice.tokens.issue({
        name: "far",
        scopes: [],
        expiry: { kind: "date", date: new Date(Date.now() + 6 * 366 * 86_400_000) },
      }),
      "BAD_REQUEST",
      /within 5 years/,
    );
    await expectTrpcError(
      asAlice.tokens.issue({ name: "odd", scopes: [], expiry: { kind: "days", days: 12 } as never }),
      "BAD_REQUEST",
    );
  });

  it("normalizes the IP allow-list and enforces it", async () => {
    await expectTrpcError(
      asAlice.tokens.issue({ name: "ip", scopes: [], expiry: never(), ipAllowList: ["10.0.0.0/33"] }),
      "BAD_REQUEST",
      /"10\.0\.0\.0\/33" is not an IP address or CIDR range/,
    );
    await expectTrpcError(
      asAlice.tokens.issue({ name: "ip", scopes: [], expiry: never(), ipAllowList: ["010.1.1.1"] }),
      "BAD_REQUEST",
    );
    const issued = await asAlice.tokens.issue({
      name: "office only",
      scopes: [],
      expiry: never(),
      ipAllowList: ["10.1.2.3/8", " 203.0.113.7 ", "2001:db8::1/32", "::ffff:10.0.0.0/104", ""],
    });
    expect(issued.ipAllowList).toEqual(["10.0.0.0/8", "203.0.113.7", "2001:db8::/32"]);
    await expect(authenticate(issued.token, "10.200.0.1")).resolves.toMatchObject({ tokenId: issued.id });
    await expect(authenticate(issued.token, "2001:db8:ffff::9")).resolves.toMatchObject({
      tokenId: issued.id,
    });
    await expect(authenticate(issued.token, "192.0.2.1")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(authenticate(issued.token, null)).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("fails after expiry", async () => {
    const issued = await asAlice.tokens.issue({
      name: "week",
      scopes: [],
      expiry: { kind: "days", days: 7 },
    });
    await expect(authenticate(issued.token)).resolves.toMatchObject({ tokenId: issued.id });
    const later = new Date(Date.now() + 7 * 86_400_000 + 1000);
    await expect(authenticate(issued.token, null, later)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await db().apiToken.update({
      where: { id: issued.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await expect(authenticate(issued.token)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect((await asAlice.tokens.list()).find((token) => token.id === issued.id)?.status).toBe("expired");
  });
});

describe("the list", () => {
  it("marks a deleted connection as gone and a server no longer shared as unavailable, without its name", async () => {
    const user = await signedInUser(db(), "BASIC_USER");
    const caller = await callerFor(user.sessionId);
    const registry = await createRegistry(db(), { ownerId: admin.user.id });
    await db().registrySubject.create({
      data: { registryId: registry.id, kind: "USER", userId: user.user.id },
    });
    await db().registryServer.create({ data: { registryId: registry.id, serverId: undiscovered.id } });
    const connection = await connect(
      user.user.id,
      { id: undiscovered.id, versionId: undiscovered.versionId },
      "Mine",
    );
    const issued = await caller.tokens.issue({
      name: "stale",
      scopes: [{ connectionId: connection.id }, { serverId: undiscovered.id }],
      expiry: never(),
    });

    await db().connection.delete({ where: { id: connection.id } });
    await db().registryServer.delete({
      where: { registryId_serverId: { registryId: registry.id, serverId: undiscovered.id } },
    });
    const [listed] = await caller.tokens.list();
    expect(listed?.id).toBe(issued.id);
    expect(listed?.scopes).toEqual([
      {
        kind: "connection",
        id: connection.id,
        name: null,
        serverName: null,
        serverSlug: null,
        tools: null,
        state: "gone",
      },
      {
        kind: "server",
        id: undiscovered.id,
        name: null,
        serverName: null,
        serverSlug: null,
        tools: null,
        state: "unavailable",
      },
    ]);
  });

  it("lists every active token, however many revoked ones are newer", async () => {
    const user = await signedInUser(db(), "BASIC_USER");
    const caller = await callerFor(user.sessionId);
    const old = await caller.tokens.issue({ name: "old but active", scopes: [], expiry: never() });
    await db().apiToken.createMany({
      data: Array.from({ length: 210 }, (_, i) => ({
        userId: user.user.id,
        name: `revoked ${i}`,
        keyId: createHash("sha256").update(`${user.user.id}:revoked:${i}`).digest("hex").slice(0, 12),
        secretHash: createHash("sha256").update(`revoked ${i}`).digest("hex"),
        scopes: [],
        ipAllowList: [],
        createdAt: new Date(Date.now() + 1000 + i),
        revokedAt: new Date(),
      })),
    });
    const listed = await caller.tokens.list();
    expect(listed).toHaveLength(201);
    expect(listed.at(-1)).toMatchObject({ id: old.id, name: "old but active" });
    expect(listed[0]?.name).toBe("revoked 209");
  });

  it("lists only the caller's own tokens", async () => {
    const mine = await asBob.tokens.issue({ name: "bob's", scopes: [], expiry: never() });
    const bobList = await asBob.tokens.list();
    expect(bobList.map((token) => token.id)).toContain(mine.id);
    const aliceIds = new Set(
      (await db().apiToken.findMany({ where: { userId: alice.user.id } })).map((t) => t.id),
    );
    expect(bobList.some((token) => aliceIds.has(token.id))).toBe(false);
  });
});

describe("revoking", () => {
  it("the owner revokes; the very next request fails; the change is audited once", async () => {
    const issued = await asAlice.tokens.issue({ name: "to revoke", scopes: [], expiry: never() });
    await expect(authenticate(issued.token)).resolves.toMatchObject({ tokenId: issued.id });

    const revoked = await asAlice.tokens.revoke({ tokenId: issued.id });
    expect(revoked).toMatchObject({ id: issued.id, isNewlyRevoked: true, isBroadcast: true });
    await expect(authenticate(issued.token)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect((await asAlice.tokens.list()).find((token) => token.id === issued.id)?.status).toBe("revoked");

    const again = await asAlice.tokens.revoke({ tokenId: issued.id });
    expect(again).toMatchObject({ isNewlyRevoked: false, revokedAt: revoked.revokedAt });
    const events = await db().auditEvent.findMany({ where: { action: "token.revoke", targetId: issued.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorUserId: alice.user.id,
      targetType: "api_token",
      metadata: { keyId: issued.keyId, ownerUserId: alice.user.id, revokedBy: "owner" },
    });
  });

  it("another user's token is not found for a Basic user, and stays valid", async () => {
    const issued = await asAlice.tokens.issue({ name: "alice keeps", scopes: [], expiry: never() });
    await expectTrpcError(
      asBob.tokens.revoke({ tokenId: issued.id }),
      "NOT_FOUND",
      "This token doesn't exist or isn't yours.",
    );
    await expectTrpcError(asBob.tokens.revoke({ tokenId: "not-a-uuid" }), "NOT_FOUND");
    await expect(authenticate(issued.token)).resolves.toMatchObject({ tokenId: issued.id });
    expect(await db().auditEvent.count({ where: { action: "token.revoke", targetId: issued.id } })).toBe(0);
    await expectTrpcError(asBob.tokens.listAll({}), "FORBIDDEN");
  });

  it("an Admin lists every active token with its owner and revokes anyone's, audited with actor and owner", async () => {
    const issued = await asAlice.tokens.issue({
      name: "admin will revoke",
      scopes: [{ connectionId: aliceConnection.id }],
      expiry: never(),
    });
    const gone = await asAlice.tokens.issue({ name: "already revoked", scopes: [], expiry: never() });
    await asAlice.tokens.revoke({ tokenId: gone.id });

    const page = await asAdmin.tokens.listAll({ search: alice.user.email, limit: 200 });
    const aliceActive = await db().apiToken.findMany({
      where: {
        userId: alice.user.id,
        revokedAt: null,
        OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }],
      },
      select: { id: true },
    });
    expect(new Set(page.items.map((token) => token.id))).toEqual(
      new Set(aliceActive.map((token) => token.id)),
    );
    const row = page.items.find((token) => token.id === issued.id);
    expect(row).toMatchObject({
      owner: { id: alice.user.id, email: alice.user.email },
      scopes: [{ kind: "connection", name: "Alice's toolbox", serverName: shared.name, state: "ok" }],
    });
    expect(JSON.stringify(page)).not.toMatch(/secretHash/);
    const byUser = await asAdmin.tokens.listAll({ userId: bob.user.id });
    expect(byUser.items.every((token) => token.owner.id === bob.user.id)).toBe(true);

    await asAdmin.tokens.revoke({ tokenId: issued.id });
    await expect(authenticate(issued.token)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const event = await db().auditEvent.findFirstOrThrow({
      where: { action: "token.revoke", targetId: issued.id },
    });
    expect(event).toMatchObject({
      actorUserId: admin.user.id,
      metadata: { ownerUserId: alice.user.id, ownerEmail: alice.user.email, revokedBy: "admin" },
    });
    const after = await asAdmin.tokens.listAll({ search: alice.user.email, limit: 200 });
    expect(after.items.map((token) => token.id)).not.toContain(issued.id);
  });

  it("pages through all tokens with a cursor", async () => {
    const user = await signedInUser(db(), "BASIC_USER");
    const caller = await callerFor(user.sessionId);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await caller.tokens.issue({ name: `t${i}`, scopes: [], expiry: never() })).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await asAdmin.tokens.listAll({ userId: user.user.id, limit: 2, cursor });
      seen.push(...page.items.map((token) => token.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it("a page goes on after its last token, even when that token was revoked in between", async () => {
    const user = await signedInUser(db(), "BASIC_USER");
    const caller = await callerFor(user.sessionId);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await caller.tokens.issue({ name: `t${i}`, scopes: [], expiry: never() })).id);
    const first = await asAdmin.tokens.listAll({ userId: user.user.id, limit: 1 });
    expect(first.items.map((token) => token.id)).toEqual([ids[2]]);
    await caller.tokens.revoke({ tokenId: ids[2] as string });
    const next = await asAdmin.tokens.listAll({
      userId: user.user.id,
      limit: 1,
      cursor: first.nextCursor ?? undefined,
    });
    expect(next.items.map((token) => token.id)).toEqual([ids[1]]);
  });

  it("publishes the revocation on <prefix>token-revoked for every instance", async () => {
    const issued = await asAlice.tokens.issue({ name: "streaming", scopes: [], expiry: never() });
    const received: TokenRevokedMessage[] = [];
    const stop = await subscribeTokenRevocations((message) => received.push(message));
    // The channel name itself, as another process (the MCP proxy) would subscribe to it.
    const raw = new Redis(inject("redisUrl"));
    const rawMessages: { channel: string; payload: string }[] = [];
    raw.on("message", (channel: string, payload: string) => rawMessages.push({ channel, payload }));
    await raw.subscribe(`${inject("redisKeyPrefix")}token-revoked`);
    try {
      const revoked = await asAlice.tokens.revoke({ tokenId: issued.id });
      await expect.poll(() => received.some((message) => message.tokenId === issued.id)).toBe(true);
      await expect.poll(() => rawMessages.length).toBeGreaterThan(0);
      expect(received.find((message) => message.tokenId === issued.id)).toEqual({
        tokenId: issued.id,
        userId: alice.user.id,
        reason: "revoked",
        revokedAt: revoked.revokedAt.toISOString(),
      });
      expect(rawMessages.map((message) => JSON.parse(message.payload).tokenId)).toContain(issued.id);
    } finally {
      await stop();
      raw.disconnect();
    }
  });

  it("a deactivated user's tokens fail on the next request and list as revoked", async () => {
    const user = await signedInUser(db(), "BASIC_USER");
    const caller = await callerFor(user.sessionId);
    const issued = await caller.tokens.issue({ name: "offboarded", scopes: [], expiry: never() });
    await expect(authenticate(issued.token)).resolves.toMatchObject({ tokenId: issued.id });
    await deactivateUser({ db: db(), actorId: admin.user.id, userId: user.user.id, context: {} });
    await expect(authenticate(issued.token)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const row = await db().apiToken.findUniqueOrThrow({ where: { id: issued.id } });
    expect(row.revokedAt).not.toBeNull();
    const page = await asAdmin.tokens.listAll({ userId: user.user.id });
    expect(page.items).toEqual([]);
  });
});
