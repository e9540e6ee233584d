import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Resolver } from "@/server/security/outbound-url";
import { createConnection } from "@/server/services/connections/create-connection";
import { updateConnection } from "@/server/services/connections/update-connection";
import { allowOutboundHosts } from "@/server/services/settings/outbound-policy";
import { field, grantedServer } from "./connections-fixtures";
import { callerFor, expectTrpcError } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/**
 * Connect-time SSRF check (PROTOCOL X1): the URL a connection's values build is resolved and judged
 * before the connection is saved, on create and on every edit. DNS is injected, so a public-looking
 * name can be made to resolve to loopback or the cloud metadata address.
 */

const DNS: Record<string, string[]> = {
  "good.tenants.example.test": ["93.184.216.34"],
  "evil.tenants.example.test": ["127.0.0.1"],
  "meta.tenants.example.test": ["169.254.169.254"],
  "mixed.tenants.example.test": ["93.184.216.34", "10.0.0.7"],
  "mapped.tenants.example.test": ["::ffff:127.0.0.1"],
};
const resolver: Resolver = async (hostname) => {
  const addresses = DNS[hostname];
  if (!addresses) throw new Error(`ENOTFOUND ${hostname}`);
  return addresses;
};

const TENANT_FIELDS = [field({ name: "tenant", label: "Tenant", target: "url-variable", required: true })];

let userId: string;
let slug: string;

beforeAll(async () => {
  userId = (await createUser(db())).id;
  slug = (
    await grantedServer({
      grantees: [userId],
      url: "https://{tenant}.tenants.example.test/mcp",
      configSchema: TENANT_FIELDS,
    })
  ).server.slug;
});

afterAll(async () => {
  await disconnectDb();
});

function connect(tenant: string) {
  return createConnection({ db: db(), userId, slug, values: { tenant }, context: {}, resolver });
}

async function refusal(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("BAD_REQUEST");
  return (error as AppError).message;
}

describe("connect-time SSRF check", () => {
  it("accepts a tenant whose host resolves to a public address", async () => {
    const created = await connect("good");
    expect(created.status).toBe("CONFIGURED");
  });

  it.each([
    ["evil", "evil.tenants.example.test resolves to a loopback address"],
    ["meta", "meta.tenants.example.test resolves to a link-local address"],
    ["mixed", "mixed.tenants.example.test resolves to a private network address"],
    ["mapped", "mapped.tenants.example.test resolves to a loopback address"],
    ["missing", "missing.tenants.example.test does not resolve"],
  ])("refuses tenant %s with the guard's reason", async (tenant, reason) => {
    const before = await db().connection.count({ where: { userId } });
    const message = await refusal(connect(tenant));
    expect(message).toContain(reason);
    expect(await db().connection.count({ where: { userId } })).toBe(before);
  });

  it.each([
    "127.0.0.1.nip.io/x#",
    "x@127.0.0.1",
    "evil.tenants.example.test/",
    "good.tenants.example.test:80@127.0.0.1",
  ])("keeps a value inside its URL component: %j cannot change the host", async (tenant) => {
    const message = await refusal(connect(tenant));
    expect(message).toMatch(/not a valid URL|does not resolve/);
  });

  it("checks again when an edit changes the URL variables, and keeps the old values when refused", async () => {
    const created = await connect("good");
    const message = await refusal(
      updateConnection({
        db: db(),
        userId,
        connectionId: created.id,
        values: { tenant: "meta" },
        context: {},
        resolver,
      }),
    );
    expect(message).toContain("meta.tenants.example.test resolves to a link-local address");
    expect(message).not.toContain("169.254.169.254");
    const row = await db().connection.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.config).toEqual({ tenant: "good" });
  });

  it("writes an edit only onto the version it was checked against, not one the connection moved to meanwhile", async () => {
    const created = await connect("good");
    const { serverVersionId, serverId } = await db().connection.findUniqueOrThrow({
      where: { id: created.id },
      select: { serverVersionId: true, serverId: true },
    });
    const current = await db().serverVersion.findUniqueOrThrow({ where: { id: serverVersionId } });
    const next = await db().serverVersion.create({
      data: {
        serverId,
        version: `2.0.${Date.now()}`,
        transport: "STREAMABLE_HTTP",
        url: "https://{tenant}.tenants.example.test/v2",
        configSchema: current.configSchema ?? [],
        status: "APPROVED",
      },
    });
    // "Move to version X" in another tab lands while this edit is being checked (its DNS lookup).
    const movingMeanwhile: Resolver = async (hostname) => {
      await db().connection.update({ where: { id: created.id }, data: { serverVersionId: next.id } });
      return resolver(hostname);
    };
    const error = await updateConnection({
      db: db(),
      userId,
      connectionId: created.id,
      name: "renamed",
      values: { tenant: "good" },
      context: {},
      resolver: movingMeanwhile,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("moved to another version"),
    });
    const row = await db().connection.findUniqueOrThrow({ where: { id: created.id } });
    expect(row).toMatchObject({ serverVersionId: next.id, name: created.name });
  });

  it("lets only servers an admin vouched for reach the hosts an admin allowed", async () => {
    // An internal host the admin allowed, say for a shared server granted to one team only.
    const internal = `127.0.0.1:${40_000 + Math.floor(Math.random() * 20_000)}`;
    await allowOutboundHosts(db(), [internal]);
    const definition = { transport: "STREAMABLE_HTTP" as const, url: `http://${internal}/mcp` };
    const personal = (suffix: string) => ({
      intent: "publish" as const,
      scope: "PERSONAL" as const,
      metadata: { name: `Internal ${suffix}`, slug: `internal-${suffix}-${Date.now()}` },
      version: "1.0.0",
      definition,
    });
    // A Power user's personal server at that host is approved at once, without review: connecting
    // it is refused, and says why.
    const powerUser = await signedInUser(db(), "POWER_USER");
    const asPowerUser = await callerFor(powerUser.sessionId);
    const theirs = await asPowerUser.servers.create(personal("power"));
    await expectTrpcError(
      asPowerUser.connections.create({ slug: theirs.slug, values: {} }),
      "BAD_REQUEST",
      /an admin allowed this host for the servers they approve, and no admin approved this one/,
    );
    // An admin's own is reviewed by themself, and connects.
    const admin = await signedInUser(db(), "ADMIN");
    const asAdmin = await callerFor(admin.sessionId);
    const mine = await asAdmin.servers.create(personal("admin"));
    expect((await asAdmin.connections.create({ slug: mine.slug, values: {} })).status).toBe("CONFIGURED");
  });

  it("refuses through the API too: an address literal needs no DNS", async () => {
    const user = await signedInUser(db());
    const server = await grantedServer({
      grantees: [user.user.id],
      url: "http://{host}:8080/mcp",
      configSchema: [field({ name: "host", target: "url-variable", required: true })],
    });
    const caller = await callerFor(user.sessionId);
    for (const host of ["127.0.0.1", "169.254.169.254", "2130706433", "0x7f.1", "[::1]"]) {
      await expectTrpcError(
        caller.connections.create({ slug: server.server.slug, values: { host } }),
        "BAD_REQUEST",
        /Gatehouse will not connect/,
      );
    }
    expect(await db().connection.count({ where: { userId: user.user.id } })).toBe(0);
  });
});
