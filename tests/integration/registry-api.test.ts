import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { GET as unknownGet, OPTIONS as unknownOptions } from "@/app/v0.1/[[...path]]/route";
import {
  GET as serverGet,
  OPTIONS as serverOptions,
  POST as serverPost,
} from "@/app/v0.1/servers/[...path]/route";
import {
  DELETE as listDelete,
  GET as listGet,
  OPTIONS as listOptions,
  POST as listPost,
} from "@/app/v0.1/servers/route";
import { createRegistry, createServer, createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { env } from "@/server/env";
import { RATE_WINDOW_MS } from "@/server/mcp/rate-limit";
import { disconnectRedis, redis, redisKey } from "@/server/redis";
import { parseServerJson } from "@/server/services/catalog/parse-server-json";
import { connectionUrl, newConnectionPublicId } from "@/server/services/connections/connection-url";
import { authenticateRegistryCaller } from "@/server/services/registry-api/authenticate-caller";
import {
  formatApiToken,
  hashSecret,
  newKeyId,
  newSecret,
  parseApiToken,
} from "@/server/services/tokens/api-token-format";
import { authenticateApiToken } from "@/server/services/tokens/authenticate-api-token";
import { issueApiToken } from "@/server/services/tokens/issue-api-token";
import { UNKNOWN_CREDENTIAL_THROTTLE } from "@/server/services/tokens/unknown-credentials";
import { signedInUser } from "./helpers/sessions";

/**
 * The MCP Registry API (v0.1) served from the catalog: who may call it, what each caller sees, the
 * official response shape, pagination, CORS. The database is shared with other test files (whose
 * EVERYONE registries may grant us their servers), so list assertions search for this file's suffix.
 */

const BASE = "http://localhost:3000";
const SUFFIX = uniqueSuffix();

// ---------------------------------------------------------------------------------------------
// The official response shape, transcribed from github.com/modelcontextprotocol/registry:
// docs/reference/api/openapi.yaml (components.schemas ServerList, ServerResponse, ServerDetail,
// Repository, Icon, RemoteTransport, StreamableHttpTransport, KeyValueInput, Input) and the
// server.json schema 2025-12-11 (docs/reference/server-json/CHANGELOG.md: remotes with variables).
// Required fields and types are checked; string lengths are counted in code points as JSON Schema does.
// ---------------------------------------------------------------------------------------------
const codePointsBetween = (min: number, max: number) =>
  z.string().refine((value) => {
    const length = Array.from(value).length;
    return length >= min && length <= max;
  }, `must be ${min}–${max} characters`);

const inputSchema = z.object({
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  format: z.enum(["string", "number", "boolean", "filepath"]).optional(),
  value: z.string().optional(),
  isSecret: z.boolean().optional(),
  default: z.string().optional(),
  placeholder: z.string().optional(),
  choices: z.array(z.string()).optional(),
});
const keyValueInputSchema = inputSchema.extend({
  name: z.string(),
  variables: z.record(z.string(), inputSchema).optional(),
});
const remoteSchema = z.object({
  type: z.enum(["streamable-http", "sse"]),
  url: z.string().regex(/^https?:\/\/[^\s]+$/),
  headers: z.array(keyValueInputSchema).optional(),
  variables: z.record(z.string(), inputSchema).optional(),
});
const serverDetailSchema = z.object({
  $schema: z.url().optional(),
  name: z
    .string()
    .min(3)
    .max(200)
    .regex(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/),
  description: codePointsBetween(1, 100),
  title: codePointsBetween(1, 100).optional(),
  version: z.string().max(255),
  websiteUrl: z.url().optional(),
  repository: z
    .object({ url: z.url(), source: z.string(), id: z.string().optional(), subfolder: z.string().optional() })
    .optional(),
  icons: z
    .array(
      z.object({
        src: z.url({ protocol: /^https$/ }).max(255),
        mimeType: z.enum(["image/png", "image/jpeg", "image/jpg", "image/svg+xml", "image/webp"]).optional(),
        sizes: z.array(z.string().regex(/^(\d+x\d+|any)$/)).optional(),
        theme: z.enum(["light", "dark"]).optional(),
      }),
    )
    .optional(),
  packages: z.array(z.unknown()).optional(),
  remotes: z.array(remoteSchema).optional(),
  _meta: z.record(z.string(), z.unknown()).optional(),
});
const officialMetaSchema = z
  .object({
    status: z.enum(["active", "deprecated", "deleted"]),
    statusMessage: z.string().max(500).optional(),
    statusChangedAt: z.iso.datetime().optional(),
    publishedAt: z.iso.datetime().optional(),
    updatedAt: z.iso.datetime().optional(),
    isLatest: z.boolean().optional(),
  })
  .strict(); // additionalProperties: false in the OpenAPI document
const serverResponseSchema = z.object({
  server: serverDetailSchema,
  _meta: z
    .object({ "io.modelcontextprotocol.registry/official": officialMetaSchema.optional() })
    .catchall(z.unknown())
    .optional(),
});
const serverListSchema = z.object({
  servers: z.array(serverResponseSchema),
  metadata: z.object({ nextCursor: z.string().optional(), count: z.number().int().optional() }).optional(),
});
const errorSchema = z.object({ error: z.string().min(1) }).strict();

type ServerResponse = z.infer<typeof serverResponseSchema>;
type ServerList = z.infer<typeof serverListSchema>;

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

type Credentials = { cookie?: string; token?: string; authorization?: string; ip?: string; origin?: string };

function request(path: string, credentials: Credentials = {}, method = "GET"): Request {
  const headers = new Headers({ "x-gatehouse-client-ip": credentials.ip ?? "203.0.113.9" });
  if (credentials.cookie) headers.set("cookie", credentials.cookie);
  if (credentials.token) headers.set("authorization", `Bearer ${credentials.token}`);
  if (credentials.authorization) headers.set("authorization", credentials.authorization);
  if (credentials.origin) headers.set("origin", credentials.origin);
  return new Request(`${BASE}${path}`, { method, headers });
}

function list(query: string, credentials: Credentials): Promise<Response> {
  return listGet(request(`/v0.1/servers${query}`, credentials));
}

let current: Credentials = {};
function serverPath(name: string, rest: string): Promise<Response> {
  return serverGet(request(`/v0.1/servers/${encodeURIComponent(name)}${rest}`, current));
}

async function listOk(query: string, credentials: Credentials): Promise<ServerList> {
  const response = await list(query, credentials);
  expect(response.status, await response.clone().text()).toBe(200);
  return serverListSchema.parse(await response.json());
}

async function expectError(response: Response, status: number): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  const body = errorSchema.parse(await response.json());
  return body.error;
}

function names(body: ServerList): string[] {
  return body.servers.map((entry) => entry.server.name);
}

// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

async function connect(userId: string, server: { id: string }, versionId: string) {
  return db().connection.create({
    data: {
      publicId: newConnectionPublicId(),
      userId,
      serverId: server.id,
      serverVersionId: versionId,
      name: "test connection",
    },
  });
}

async function buildFixture() {
  const alice = await signedInUser(db(), "BASIC_USER");
  const bob = await signedInUser(db(), "POWER_USER");
  const owner = await createUser(db(), { role: "ADMIN" });

  const alpha = await createServer(db(), {
    ownerId: owner.id,
    name: `Alpha ${SUFFIX}`,
    description: `**Fast** [weather](https://example.com/docs) forecasts <script>alert(1)</script>\u202E for ${SUFFIX}. ${"Long text ".repeat(20)}`,
    websiteUrl: "https://example.com/alpha",
    repositoryUrl: "https://github.com/acme/alpha",
    url: "https://upstream-secret.example.net/mcp",
  });
  await db().server.update({
    where: { id: alpha.id },
    data: { registryName: `io.github.acme-${SUFFIX}/alpha`, iconUrl: "https://example.com/alpha.png" },
  });
  const beta = await createServer(db(), {
    ownerId: owner.id,
    name: `Beta ${SUFFIX}`,
    description: "Beta keeps notes",
    repositoryUrl: "https://git.example.org/beta",
    websiteUrl: "javascript:alert(1)",
  });
  await db().server.update({ where: { id: beta.id }, data: { iconUrl: "http://example.com/insecure.png" } });

  // Gamma: 1.0.0 approved first, 2.0.0 approved now; 3.0.0 pending and 0.9.0 rejected never show.
  const gamma = await createServer(db(), { ownerId: owner.id, name: `Gamma ${SUFFIX}`, version: "1.0.0" });
  const gammaV1 = gamma.versionId;
  const reviewed = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000);
  await db().serverVersion.update({ where: { id: gammaV1 }, data: { reviewedAt: reviewed(10) } });
  const gammaV2 = await db().serverVersion.create({
    data: {
      serverId: gamma.id,
      version: "2.0.0",
      transport: "STDIO",
      command: "npx",
      args: ["-y", "secret-package@2.0.0"],
      status: "APPROVED",
      reviewedAt: reviewed(1),
    },
  });
  await db().serverVersion.createMany({
    data: [
      {
        serverId: gamma.id,
        version: "3.0.0",
        transport: "STREAMABLE_HTTP",
        url: "https://x.example/mcp",
        status: "PENDING_APPROVAL",
      },
      {
        serverId: gamma.id,
        version: "0.9.0",
        transport: "STREAMABLE_HTTP",
        url: "https://x.example/mcp",
        status: "REJECTED",
      },
    ],
  });
  await db().server.update({ where: { id: gamma.id }, data: { approvedVersionId: gammaV2.id } });

  const hidden = await createServer(db(), { ownerId: owner.id, name: `Delta hidden ${SUFFIX}` });
  const pending = await createServer(db(), {
    ownerId: owner.id,
    name: `Epsilon pending ${SUFFIX}`,
    status: "PENDING_APPROVAL",
  });
  const alicePersonal = await createServer(db(), {
    ownerId: alice.user.id,
    name: `Zeta personal ${SUFFIX}`,
    scope: "PERSONAL",
  });
  const aliceDraft = await createServer(db(), {
    ownerId: alice.user.id,
    name: `Eta draft ${SUFFIX}`,
    scope: "PERSONAL",
    status: "DRAFT",
  });
  const bobPersonal = await createServer(db(), {
    ownerId: bob.user.id,
    name: `Theta bob ${SUFFIX}`,
    scope: "PERSONAL",
  });

  const registry = await createRegistry(db(), { ownerId: owner.id });
  await db().registrySubject.create({
    data: { registryId: registry.id, kind: "USER", userId: alice.user.id },
  });
  await db().registryServer.createMany({
    data: [alpha, beta, gamma, pending].map((server) => ({ registryId: registry.id, serverId: server.id })),
  });

  const aliceAlpha = await connect(alice.user.id, alpha, alpha.versionId);
  const aliceGammaOld = await connect(alice.user.id, gamma, gammaV1);
  const aliceGammaNew = await connect(alice.user.id, gamma, gammaV2.id);
  const bobAlpha = await connect(bob.user.id, alpha, alpha.versionId);

  return {
    alice,
    bob,
    servers: { alpha, beta, gamma, hidden, pending, alicePersonal, aliceDraft, bobPersonal },
    versions: { gammaV1, gammaV2: gammaV2.id },
    connections: { aliceAlpha, aliceGammaOld, aliceGammaNew, bobAlpha },
  };
}

let fx: Awaited<ReturnType<typeof buildFixture>>;
let session: Credentials;
const NAMES = {
  alpha: `io.github.acme-${SUFFIX}/alpha`,
  beta: "",
  gamma: "",
  alicePersonal: "",
};

async function tokenFor(userId: string, scopes: unknown[], extra: { ipAllowList?: string[] } = {}) {
  const issued = await issueApiToken({
    db: db(),
    userId,
    name: "registry test",
    scopes,
    ipAllowList: extra.ipAllowList,
    context: { actorUserId: userId },
  });
  return issued;
}

beforeAll(async () => {
  fx = await buildFixture();
  session = { cookie: fx.alice.cookie };
  NAMES.beta = `local.gatehouse/${fx.servers.beta.slug}`;
  NAMES.gamma = `local.gatehouse/${fx.servers.gamma.slug}`;
  NAMES.alicePersonal = `local.gatehouse/${fx.servers.alicePersonal.slug}`;
});

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

// ---------------------------------------------------------------------------------------------

describe("authentication", () => {
  it("refuses a request without credentials with 401, a Bearer challenge and a JSON error", async () => {
    const response = await list("", {});
    const message = await expectError(response, 401);
    expect(message).toMatch(/API token/);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="gatehouse"');
  });

  it("refuses a malformed or unknown bearer token, and a non-bearer scheme, with invalid_token", async () => {
    for (const authorization of [
      "Bearer nonsense",
      "Bearer gh_aaaaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      "Basic dXNlcjpwYXNz",
    ]) {
      const response = await list("", { authorization });
      await expectError(response, 401);
      expect(response.headers.get("www-authenticate")).toBe(
        'Bearer realm="gatehouse", error="invalid_token"',
      );
    }
  });

  it("does not fall back to the session cookie when a presented token is invalid", async () => {
    const response = await list("", { ...session, authorization: "Bearer gh_nope" });
    await expectError(response, 401);
  });

  it("accepts a session cookie and a personal API token, and records the token's use", async () => {
    const bySession = await listOk(`?search=${SUFFIX}`, session);
    const issued = await tokenFor(fx.alice.user.id, [
      { serverId: fx.servers.alpha.id },
      { serverId: fx.servers.beta.id },
      { serverId: fx.servers.gamma.id },
      { serverId: fx.servers.alicePersonal.id },
    ]);
    const byToken = await listOk(`?search=${SUFFIX}`, { token: issued.token });
    expect(names(byToken)).toEqual(names(bySession));

    const row = await db().apiToken.findUniqueOrThrow({ where: { id: issued.id } });
    expect(row.usageCount).toBe(1);
    expect(row.lastUsedAt).not.toBeNull();
    expect(row.secretHash).not.toContain(issued.token.slice(16));
  });

  it("counts a token's calls against its rate limits (shared with MCP): 429 with Retry-After past them", async () => {
    const issued = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.alpha.id }]);
    await listOk("", { token: issued.token });
    // This minute's count of the token, as the MCP proxy keeps it, brought to the limit.
    const window = Math.floor(Date.now() / RATE_WINDOW_MS);
    const key = redisKey("mcp-rate", "token", issued.id, String(window));
    await redis().set(key, String(env().GATEHOUSE_MCP_RATE_LIMIT_PER_TOKEN), "PX", RATE_WINDOW_MS);
    const response = await list("", { token: issued.token });
    const message = await expectError(response, 429);
    expect(message).toMatch(/^Rate limit reached: at most \d+ requests a minute per API token\./);
    const retryAfter = Number(response.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(response.headers.get("access-control-expose-headers")).toContain("Retry-After");
    // A signed-in browser (Gatehouse's own pages) is not limited here.
    await listOk("", session);
  });

  it("refuses revoked and expired tokens, whatever the clock that stamped the revocation", async () => {
    const revoked = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.alpha.id }]);
    const expired = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.alpha.id }]);
    await db().apiToken.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    await db().apiToken.update({
      where: { id: expired.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await expectError(await list("", { token: revoked.token }), 401);
    await expectError(await list("", { token: expired.token }), 401);
    // Stamped by a process whose clock runs ahead (the CLI on an operator's machine): revoked all the same.
    const ahead = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.alpha.id }]);
    await db().apiToken.update({
      where: { id: ahead.id },
      data: { revokedAt: new Date(Date.now() + 3_600_000) },
    });
    await expectError(await list("", { token: ahead.token }), 401);
    const unused = await db().apiToken.findMany({
      where: { id: { in: [revoked.id, expired.id, ahead.id] } },
    });
    expect(unused.map((t) => t.usageCount)).toEqual([0, 0, 0]);
  });

  it("refuses a token whose secret does not match its key id", async () => {
    const issued = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.alpha.id }]);
    const forged = `${issued.token.slice(0, 16)}${"A".repeat(42)}${issued.token.at(-1) === "A" ? "Q" : "A"}`;
    await expectError(await list("", { token: forged }), 401);
  });

  it("checks the token's IP allow-list against the client address our HTTP front resolved", async () => {
    const issued = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.alpha.id }], {
      ipAllowList: ["198.51.100.0/24", "2001:db8::/32"],
    });
    expect((await list("", { token: issued.token, ip: "198.51.100.7" })).status).toBe(200);
    expect((await list("", { token: issued.token, ip: "::ffff:198.51.100.8" })).status).toBe(200);
    expect((await list("", { token: issued.token, ip: "2001:db8::1" })).status).toBe(200);
    await expectError(await list("", { token: issued.token, ip: "203.0.113.9" }), 403);
    await expectError(await list("", { token: issued.token, ip: "" }), 403);
  });

  it("refuses the token and the session of a deactivated user", async () => {
    const carol = await signedInUser(db(), "BASIC_USER");
    const issued = await tokenFor(carol.user.id, []);
    expect((await list("", { token: issued.token })).status).toBe(200);
    expect((await list("", { cookie: carol.cookie })).status).toBe(200);
    await db().user.update({ where: { id: carol.user.id }, data: { status: "DEACTIVATED" } });
    await expectError(await list("", { token: issued.token }), 401);
    await expectError(await list("", { cookie: carol.cookie }), 401);
  });
});

describe("refused tokens", () => {
  function refusalsOf(tokenId: string) {
    return db().auditEvent.findMany({ where: { actorTokenId: tokenId, action: "registry.auth.denied" } });
  }

  it("audits a refused stored token once per reason and minute, with its owner and never its secret", async () => {
    const revoked = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.alpha.id }]);
    await db().apiToken.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    for (let i = 0; i < 5; i++)
      await expectError(await list("", { token: revoked.token, ip: "198.51.100.20" }), 401);
    const rows = await refusalsOf(revoked.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      outcome: "DENIED",
      reason: "revoked",
      actorUserId: fx.alice.user.id,
      clientIp: "198.51.100.20",
      metadata: { httpStatus: 401 },
    });
    expect(JSON.stringify(rows[0])).not.toContain(revoked.token.slice(16));

    const guessed = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.alpha.id }]);
    const forged = formatApiToken(parseApiToken(guessed.token)?.keyId as string, newSecret());
    await expectError(await list("", { token: forged }), 401);
    expect((await refusalsOf(guessed.id)).map((row) => row.reason)).toEqual(["wrong_secret"]);

    const fenced = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.alpha.id }], {
      ipAllowList: ["198.51.100.0/24"],
    });
    await expectError(await list("", { token: fenced.token, ip: "192.0.2.1" }), 403);
    expect(await refusalsOf(fenced.id)).toMatchObject([
      { reason: "address_not_allowed", metadata: { httpStatus: 403 } },
    ]);
  });

  it("answers 503 when the refusal cannot be audited, and audits the next one", async () => {
    const revoked = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.alpha.id }]);
    await db().apiToken.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    const failingAudit = new Proxy(db(), {
      get: (target, property, receiver) =>
        property === "auditEvent"
          ? { create: () => Promise.reject(new Error("audit store down")) }
          : Reflect.get(target, property, receiver),
    });
    const headers = new Headers({
      authorization: `Bearer ${revoked.token}`,
      "x-gatehouse-client-ip": "198.51.100.23",
    });
    await expect(authenticateRegistryCaller({ db: failingAudit, headers })).rejects.toMatchObject({
      code: "UNAVAILABLE",
    });
    expect(await refusalsOf(revoked.id)).toHaveLength(0);
    await expectError(await list("", { token: revoked.token, ip: "198.51.100.23" }), 401);
    expect(await refusalsOf(revoked.id)).toHaveLength(1);
  });

  it("leaves no row for tokens whose key id matches none", async () => {
    const userAgent = `registry-random-${uniqueSuffix()}`;
    const headers = (token: string) =>
      new Request(`${BASE}/v0.1/servers`, {
        headers: {
          authorization: `Bearer ${token}`,
          "user-agent": userAgent,
          "x-gatehouse-client-ip": "198.51.100.21",
        },
      });
    for (let i = 0; i < 3; i++)
      await expectError(await listGet(headers(formatApiToken(newKeyId(), newSecret()))), 401);
    expect(await db().auditEvent.count({ where: { userAgent } })).toBe(0);
  });

  it("refuses an address sending many unknown tokens for a while, except tokens seen accepted", async () => {
    // An address of this test's own (198.18.0.0/15, for benchmarks): no other test shares its count.
    const sprayer = `198.18.${randomInt(256)}.${randomInt(1, 255)}`;
    const neighbour = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.alpha.id }]);
    await listOk("", { token: neighbour.token, ip: sprayer });
    const stranger = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.alpha.id }]);
    const { limit } = UNKNOWN_CREDENTIAL_THROTTLE;
    for (let sent = 0; sent < limit; sent += 25) {
      const statuses = await Promise.all(
        Array.from({ length: Math.min(25, limit - sent) }, () =>
          list("", { token: formatApiToken(newKeyId(), newSecret()), ip: sprayer }).then((r) => r.status),
        ),
      );
      expect(new Set(statuses)).toEqual(new Set([401]));
    }
    // One more passes the limit; from then on tokens this instance has not seen accepted are refused.
    await expectError(await list("", { token: formatApiToken(newKeyId(), newSecret()), ip: sprayer }), 401);
    const refused = await list("", { token: formatApiToken(newKeyId(), newSecret()), ip: sprayer });
    expect(await expectError(refused, 429)).toMatch(/tokens Gatehouse does not know/);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(60);
    await expectError(await list("", { token: stranger.token, ip: sprayer }), 429);
    await listOk("", { token: stranger.token, ip: "198.51.100.22" });
    await listOk("", { token: neighbour.token, ip: sprayer });
  });
});

describe("what a caller sees", () => {
  it("a session sees exactly its visible servers that have an approved version, sorted by name", async () => {
    const body = await listOk(`?search=${SUFFIX}`, session);
    expect(names(body)).toEqual([NAMES.alpha, NAMES.beta, NAMES.gamma, NAMES.alicePersonal].sort());
    expect(body.metadata).toEqual({ count: 4 });
  });

  it("another user's personal server is not listed for alice, but is for its owner", async () => {
    const asBob = await listOk(`?search=${SUFFIX}`, { cookie: fx.bob.cookie });
    expect(names(asBob)).toEqual([`local.gatehouse/${fx.servers.bobPersonal.slug}`]);
  });

  it("a token scoped to servers sees only those", async () => {
    const issued = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.beta.id }]);
    const body = await listOk("", { token: issued.token });
    expect(names(body)).toEqual([NAMES.beta]);
  });

  it("a token scoped to a connection sees that connection's server with only that connection", async () => {
    const issued = await tokenFor(fx.alice.user.id, [{ connectionId: fx.connections.aliceGammaOld.id }]);
    const body = await listOk("", { token: issued.token });
    expect(names(body)).toEqual([NAMES.gamma]);
    expect(body.servers[0]?.server.remotes?.map((r) => r.url)).toEqual([
      connectionUrl(fx.connections.aliceGammaOld.publicId),
    ]);
  });

  it("a token with an empty scope sees nothing, never everything", async () => {
    const issued = await tokenFor(fx.alice.user.id, []);
    const body = await listOk("", { token: issued.token });
    expect(body).toEqual({ servers: [], metadata: { count: 0 } });
  });

  it("a scope naming another user's connection or an invisible server admits nothing", async () => {
    const secret = newSecret();
    const row = await db().apiToken.create({
      data: {
        userId: fx.alice.user.id,
        name: "hand-made",
        keyId: newKeyId(),
        secretHash: hashSecret(secret),
        scopes: [{ connectionId: fx.connections.bobAlpha.id }, { serverId: fx.servers.hidden.id }],
      },
    });
    const token = formatApiToken(row.keyId, secret);
    await expect(authenticateApiToken({ db: db(), token, clientIp: null })).resolves.toMatchObject({
      user: { id: fx.alice.user.id },
    });
    expect(await listOk("", { token })).toEqual({ servers: [], metadata: { count: 0 } });
  });

  it("issuing refuses scopes naming another user's connection or a server the user cannot see", async () => {
    await expect(
      tokenFor(fx.alice.user.id, [{ connectionId: fx.connections.bobAlpha.id }]),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(tokenFor(fx.alice.user.id, [{ serverId: fx.servers.bobPersonal.id }])).rejects.toMatchObject(
      {
        code: "NOT_FOUND",
      },
    );
    await expect(tokenFor(fx.alice.user.id, [{ tools: ["echo"] }])).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(tokenFor(fx.alice.user.id, [], { ipAllowList: ["10.0.0.0/33"] })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    const audit = await db().auditEvent.count({
      where: { action: "token.issue", actorUserId: fx.alice.user.id },
    });
    expect(audit).toBeGreaterThan(0);
  });
});

describe("entries", () => {
  async function entryOf(name: string, credentials: Credentials = session): Promise<ServerResponse> {
    current = credentials;
    const response = await serverPath(name, "/versions/latest");
    expect(response.status, await response.clone().text()).toBe(200);
    return serverResponseSchema.parse(await response.json());
  }

  it("carry the catalog metadata as plain text, safe links only, and the caller's connection URLs", async () => {
    const entry = await entryOf(NAMES.alpha);
    const { server } = entry;
    expect(server).toMatchObject({
      $schema: "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
      name: NAMES.alpha,
      title: `Alpha ${SUFFIX}`,
      version: "1.0.0",
      websiteUrl: "https://example.com/alpha",
      repository: { url: "https://github.com/acme/alpha", source: "github" },
      icons: [{ src: "https://example.com/alpha.png" }],
    });
    expect(server.description).toMatch(/^Fast weather forecasts alert\(1\) for [0-9a-f]+\. Long text/);
    expect(Array.from(server.description).length).toBeLessThanOrEqual(100);
    expect(server.description.endsWith("…")).toBe(true);
    expect(server.description).not.toMatch(/[*<>[\]\u202E]/);
    expect(server.remotes).toEqual([
      {
        type: "streamable-http",
        url: connectionUrl(fx.connections.aliceAlpha.publicId),
        headers: [expect.objectContaining({ name: "Authorization", isRequired: true, isSecret: true })],
      },
    ]);
    expect(entry._meta?.["io.modelcontextprotocol.registry/official"]).toMatchObject({
      status: "active",
      isLatest: true,
    });
    expect(entry._meta?.["io.gatehouse/connect"]).toBeUndefined();
    const text = JSON.stringify(entry);
    expect(text).not.toContain("upstream-secret");
    expect(text).not.toContain(fx.connections.bobAlpha.publicId);
  });

  it("without a connection: no remotes, and the connect page under io.gatehouse/connect", async () => {
    const entry = await entryOf(NAMES.beta);
    expect(entry.server.remotes).toBeUndefined();
    expect(entry._meta?.["io.gatehouse/connect"]).toEqual({ url: `${BASE}/catalog/${fx.servers.beta.slug}` });
    // Unsafe or non-https links are dropped; an unknown forge is named by its host.
    expect(entry.server.websiteUrl).toBeUndefined();
    expect(entry.server.icons).toBeUndefined();
    expect(entry.server.repository).toEqual({
      url: "https://git.example.org/beta",
      source: "git.example.org",
    });
    expect(entry.server.description).toBe("Beta keeps notes");
  });

  it("never expose a stdio command or its package", async () => {
    const entry = await entryOf(NAMES.gamma);
    expect(entry.server.version).toBe("2.0.0");
    expect(entry.server.packages).toBeUndefined();
    expect(JSON.stringify(entry)).not.toContain("secret-package");
  });

  it("round-trip: an entry we serve imports with parseServerJson as a streamable-http remote", async () => {
    const entry = await entryOf(NAMES.alpha);
    const parsed = parseServerJson(entry.server);
    expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.server).toMatchObject({
      registryName: NAMES.alpha,
      name: `Alpha ${SUFFIX}`,
      version: "1.0.0",
    });
    expect(parsed.server.versions).toEqual([
      expect.objectContaining({
        transport: "STREAMABLE_HTTP",
        url: connectionUrl(fx.connections.aliceAlpha.publicId),
        configSchema: [
          expect.objectContaining({ name: "Authorization", target: "header", secret: true, required: true }),
        ],
      }),
    ]);
  });
});

describe("versions", () => {
  it("lists the approved versions newest first: the current one active, older ones deprecated", async () => {
    current = session;
    const response = await serverPath(NAMES.gamma, "/versions");
    expect(response.status).toBe(200);
    const body = serverListSchema.parse(await response.json());
    expect(
      body.servers.map((entry) => [
        entry.server.version,
        entry._meta?.["io.modelcontextprotocol.registry/official"]?.status,
        entry._meta?.["io.modelcontextprotocol.registry/official"]?.isLatest,
      ]),
    ).toEqual([
      ["2.0.0", "active", true],
      ["1.0.0", "deprecated", false],
    ]);
    expect(body.metadata).toEqual({ count: 2 });
    // The current entry carries every connection; the old version's only the one still on it.
    expect(body.servers[0]?.server.remotes?.map((r) => r.url)).toEqual([
      connectionUrl(fx.connections.aliceGammaOld.publicId),
      connectionUrl(fx.connections.aliceGammaNew.publicId),
    ]);
    expect(body.servers[1]?.server.remotes?.map((r) => r.url)).toEqual([
      connectionUrl(fx.connections.aliceGammaOld.publicId),
    ]);
  });

  it("serves one version by its string, and 404s for pending, rejected and unknown versions", async () => {
    current = session;
    const old = serverResponseSchema.parse(await (await serverPath(NAMES.gamma, "/versions/1.0.0")).json());
    expect(old.server.version).toBe("1.0.0");
    expect(old._meta?.["io.modelcontextprotocol.registry/official"]?.status).toBe("deprecated");
    for (const version of ["3.0.0", "0.9.0", "9.9.9"]) {
      await expectError(await serverPath(NAMES.gamma, `/versions/${version}`), 404);
    }
  });

  it("accepts the server name unencoded too (it has exactly one slash)", async () => {
    const response = await serverGet(request(`/v0.1/servers/${NAMES.gamma}/versions/latest`, session));
    expect(response.status).toBe(200);
    expect((await response.json()).server.version).toBe("2.0.0");
  });

  it("filters the list with version=latest (the default) and an exact version", async () => {
    const latest = await listOk(`?search=${SUFFIX}&version=latest`, session);
    expect(names(latest)).toHaveLength(4);
    const exact = await listOk(`?search=${SUFFIX}&version=1.0.0`, session);
    expect(exact.servers.map((e) => [e.server.name, e.server.version])).toEqual(
      [
        [NAMES.alpha, "1.0.0"],
        [NAMES.beta, "1.0.0"],
        [NAMES.gamma, "1.0.0"],
        [NAMES.alicePersonal, "1.0.0"],
      ].sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
    );
    const none = await listOk(`?search=${SUFFIX}&version=2.0.0`, session);
    expect(names(none)).toEqual([NAMES.gamma]);
  });
});

describe("not found", () => {
  it("answers 404 alike for invisible, another user's, draft, pending and nonexistent servers", async () => {
    current = session;
    const cases = [
      `local.gatehouse/${fx.servers.hidden.slug}`,
      `local.gatehouse/${fx.servers.bobPersonal.slug}`,
      `local.gatehouse/${fx.servers.aliceDraft.slug}`,
      `local.gatehouse/${fx.servers.pending.slug}`,
      `local.gatehouse/nothing-${SUFFIX}`,
      `io.github.acme-${SUFFIX}/nope`,
    ];
    const messages = new Set<string>();
    for (const name of cases) {
      messages.add(await expectError(await serverPath(name, "/versions"), 404));
      await expectError(await serverPath(name, "/versions/latest"), 404);
    }
    expect([...messages]).toEqual(["Server not found."]);
  });

  it("answers 404 for traversal, look-alike characters and malformed paths", async () => {
    const slug = fx.servers.beta.slug;
    const paths = [
      `/v0.1/servers/..%2F..%2Fetc%2Fpasswd/versions`,
      `/v0.1/servers/local.gatehouse%2F..%2F${slug}/versions`,
      `/v0.1/servers/${encodeURIComponent(`local.gatehous\u0435/${slug}`)}/versions`, // Cyrillic е
      `/v0.1/servers/${encodeURIComponent(`local.gatehouse/${slug.replace("s", "\uFF53")}`)}/versions`, // fullwidth s
      `/v0.1/servers/local.gatehouse%2F${slug}%00/versions`,
      `/v0.1/servers/local.gatehouse%2F${slug}/versions/1.0.0/extra`,
      `/v0.1/servers/local.gatehouse%2F${slug}`,
      `/v0.1/servers/local.gatehouse%2F${slug}/versions/%E0%A4%A`,
      `/v0.1/servers/local.gatehouse%2F${slug}/versions/..%2F..`,
    ];
    for (const path of paths) {
      const response = await serverGet(request(path, session));
      expect(response.status, path).toBe(404);
      errorSchema.parse(await response.json());
    }
  });

  it("matches a derived name case-insensitively (its canonical form is lower case)", async () => {
    current = session;
    const response = await serverPath(NAMES.beta.toUpperCase(), "/versions/latest");
    expect(response.status).toBe(200);
    expect((await response.json()).server.name).toBe(NAMES.beta);
  });

  it("answers unknown paths under /v0.1 with a JSON 404", async () => {
    const response = unknownGet();
    await expectError(response, 404);
    expect(unknownOptions().status).toBe(204);
  });
});

describe("pagination and search", () => {
  it("pages through the list with an opaque cursor, without gaps or repeats", async () => {
    const all = names(await listOk(`?search=${SUFFIX}`, session));
    const first = await listOk(`?search=${SUFFIX}&limit=3`, session);
    expect(names(first)).toEqual(all.slice(0, 3));
    expect(first.metadata?.count).toBe(3);
    const cursor = first.metadata?.nextCursor;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await listOk(`?search=${SUFFIX}&limit=3&cursor=${cursor}`, session);
    expect(names(second)).toEqual(all.slice(3));
    expect(second.metadata).toEqual({ count: 1 });
  });

  it("refuses an invalid cursor or limit with 400", async () => {
    for (const query of [
      "?cursor=not-a-cursor!",
      "?cursor=AAAA",
      "?limit=0",
      "?limit=101",
      "?limit=ten",
      "?limit=1&limit=2",
      "?updated_since=yesterday",
    ]) {
      await expectError(await list(query, session), 400);
    }
  });

  it("searches name, title and description case-insensitively", async () => {
    expect(names(await listOk(`?search=${encodeURIComponent(`ALPHA ${SUFFIX}`)}`, session))).toEqual([
      NAMES.alpha,
    ]);
    expect(names(await listOk(`?search=KEEPS%20NOTES&limit=100`, session))).toContain(NAMES.beta);
    expect(names(await listOk(`?search=acme-${SUFFIX}`, session))).toEqual([NAMES.alpha]);
    expect(names(await listOk(`?search=zz-no-such-${SUFFIX}`, session))).toEqual([]);
  });

  it("filters by updated_since", async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(names(await listOk(`?search=${SUFFIX}&updated_since=${future}`, session))).toEqual([]);
    const past = "2000-01-01T00:00:00Z";
    expect(names(await listOk(`?search=${SUFFIX}&updated_since=${past}`, session))).toHaveLength(4);
  });
});

describe("CORS and methods", () => {
  it("answers the preflight for any origin, without allowing credentials", async () => {
    for (const response of [listOptions(), serverOptions()]) {
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(response.headers.get("access-control-allow-methods")).toBe("GET, HEAD");
      expect(response.headers.get("access-control-allow-headers")).toBe("Authorization, Content-Type");
      expect(Number(response.headers.get("access-control-max-age"))).toBeGreaterThan(0);
      expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    }
  });

  it("lets any origin read token-authenticated responses, but not cookie-authenticated ones", async () => {
    const issued = await tokenFor(fx.alice.user.id, [{ serverId: fx.servers.alpha.id }]);
    const byToken = await list("", { token: issued.token, origin: "https://ide.example" });
    expect(byToken.status).toBe(200);
    expect(byToken.headers.get("access-control-allow-origin")).toBe("*");
    expect(byToken.headers.get("access-control-allow-credentials")).toBeNull();
    expect(byToken.headers.get("cache-control")).toBe("no-store");

    const bySession = await list("", { ...session, origin: "https://evil.example" });
    expect(bySession.status).toBe(200);
    expect(bySession.headers.get("access-control-allow-origin")).toBeNull();
    expect(bySession.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("answers other methods with 405 and Allow", async () => {
    for (const response of [listPost(), listDelete(), serverPost()]) {
      await expectError(response, 405);
      expect(response.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    }
  });
});
