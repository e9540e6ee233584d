import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry, createServer, createTeam, uniqueSuffix } from "@/prisma/seed/factories";
import { type Db, db, disconnectDb } from "@/server/db";
import type { Prisma } from "@/server/db/generated/client";
import { listCatalog } from "@/server/services/catalog/list-catalog";
import { type ConfigField, sealSecrets, secretContext } from "@/server/services/servers/config-fields";
import { type Caller, callerFor, expectTrpcError } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/**
 * What an end user browses (issue 4, "Catalog and connections"): the catalog cards and a server's
 * page, through tRPC as each user. The database is shared with other test files (an EVERYONE
 * registry of theirs may add servers to anyone's catalog), so every assertion is about the rows
 * this file created.
 */

const SUFFIX = uniqueSuffix();
const SHARED_VALUE = `shared-header-value-${SUFFIX}`;
const SHARED_SECRET = `shared-secret-${SUFFIX}`;

const CONFIG: ConfigField[] = [
  {
    name: "API_KEY",
    label: "API key",
    description: "Your personal key",
    secret: true,
    required: true,
    default: null,
    choices: null,
    target: "env",
    perUser: true,
  },
  {
    name: "region",
    label: "Region",
    description: "",
    secret: false,
    required: false,
    default: "eu",
    choices: ["eu", "us"],
    target: "url-variable",
    perUser: true,
  },
  {
    name: "X-Team-Token",
    label: "Team token",
    description: "Set once by the publisher",
    secret: true,
    required: true,
    default: null,
    choices: null,
    target: "header",
    perUser: false,
  },
  {
    name: "X-Tenant",
    label: "Tenant",
    description: "",
    secret: false,
    required: true,
    default: null,
    choices: null,
    target: "header",
    perUser: false,
  },
];

const WEATHER_CAPABILITIES = {
  tools: [
    {
      name: "get_forecast",
      title: "Get forecast",
      description: "Forecast for a city",
      inputSchema: {
        type: "object",
        properties: { city: { type: "string", description: "City name" }, days: { type: "integer" } },
        required: ["city"],
      },
    },
    { name: "get_alerts", description: "Weather alerts" },
    { name: "admin_reset", description: "Resets everything" },
    { description: "an entry without a name is skipped" },
  ],
  prompts: [
    {
      name: "plan_trip",
      description: "Plan a trip",
      arguments: [{ name: "destination", description: "Where to", required: true }],
    },
  ],
  resources: [{ uri: "weather://stations", name: "Stations", mimeType: "application/json" }],
  serverInfo: { name: "weather", version: "2.1.0" },
};

let fixture: Awaited<ReturnType<typeof buildFixture>>;

async function buildFixture() {
  const [publisher, alice, bob, pat, outsider] = await Promise.all([
    signedInUser(db(), "ADMIN"),
    signedInUser(db()),
    signedInUser(db()),
    signedInUser(db(), "POWER_USER"),
    signedInUser(db()),
  ]);
  const team = await createTeam(db());
  await db().teamMember.create({ data: { teamId: team.id, userId: alice.user.id } });

  const [weather, notes, draftShared, patLive, patDraft] = await Promise.all([
    createServer(db(), {
      ownerId: publisher.user.id,
      slug: `weather-${SUFFIX}`,
      name: `Alpha Weather ${SUFFIX}`,
      description: `# Weather\n\nGet **forecasts** from [the API](https://api.example) — ref-${SUFFIX}-desc.`,
      tags: ["weather", `t-${SUFFIX}`],
      version: "2.1.0",
      websiteUrl: "https://weather.example/",
      repositoryUrl: "javascript:alert(1)",
    }),
    createServer(db(), {
      ownerId: publisher.user.id,
      slug: `notes-${SUFFIX}`,
      name: `Beta Notes ${SUFFIX}`,
      description: "Shared notes",
      tags: ["Notes", `t-${SUFFIX}`],
      transport: "SSE",
    }),
    createServer(db(), {
      ownerId: publisher.user.id,
      slug: `draft-${SUFFIX}`,
      name: `Gamma Draft ${SUFFIX}`,
      status: "DRAFT",
    }),
    createServer(db(), {
      ownerId: pat.user.id,
      slug: `pat-live-${SUFFIX}`,
      name: `Pat live ${SUFFIX}`,
      scope: "PERSONAL",
      tags: [`t-${SUFFIX}`],
    }),
    createServer(db(), {
      ownerId: pat.user.id,
      slug: `pat-draft-${SUFFIX}`,
      name: `Pat draft ${SUFFIX}`,
      scope: "PERSONAL",
      status: "DRAFT",
      transport: "STDIO",
      version: "0.1.0",
    }),
  ]);

  await db().server.update({
    where: { id: weather.id },
    data: {
      iconUrl: "https://cdn.example/weather.png",
      healthStatus: "HEALTHY",
      healthLatencyMs: 42,
      healthCheckedAt: new Date(),
    },
  });
  await db().server.update({
    where: { id: notes.id },
    data: { iconUrl: "javascript:alert(1)", healthStatus: "UNHEALTHY", healthError: "connect ECONNREFUSED" },
  });
  await db().serverVersion.update({
    where: { id: weather.versionId },
    data: {
      configSchema: CONFIG as unknown as Prisma.InputJsonValue,
      sharedConfig: { "X-Tenant": SHARED_VALUE },
      sharedSecrets: sealSecrets(
        { "X-Team-Token": SHARED_SECRET },
        secretContext.serverVersion(weather.versionId),
      ),
      capabilities: WEATHER_CAPABILITIES,
      discoveredAt: new Date(),
    },
  });
  await db().serverVersion.update({
    where: { id: patLive.versionId },
    data: { capabilities: { tools: [{ name: "remember" }, { name: "recall" }], prompts: [], resources: [] } },
  });

  const [teamRegistry, bobRegistry] = await Promise.all([
    createRegistry(db(), { ownerId: publisher.user.id }),
    createRegistry(db(), { ownerId: publisher.user.id }),
  ]);
  await db().registrySubject.createMany({
    data: [
      { registryId: teamRegistry.id, kind: "TEAM", teamId: team.id },
      { registryId: bobRegistry.id, kind: "USER", userId: bob.user.id },
    ],
  });
  await db().registryServer.createMany({
    data: [
      { registryId: teamRegistry.id, serverId: weather.id, allowedTools: ["get_forecast", "not_offered"] },
      { registryId: teamRegistry.id, serverId: draftShared.id },
      { registryId: bobRegistry.id, serverId: weather.id, allowedTools: [] },
      { registryId: bobRegistry.id, serverId: notes.id },
      // Granting someone's personal server grants nothing.
      { registryId: bobRegistry.id, serverId: patLive.id },
    ],
  });

  const connection = (userId: string, name: string) =>
    db().connection.create({
      data: {
        publicId: randomBytes(16).toString("hex"),
        userId,
        serverId: weather.id,
        serverVersionId: weather.versionId,
        name,
        status: "CONFIGURED",
      },
    });
  const aliceFirst = await connection(alice.user.id, "Laptop");
  const aliceSecond = await connection(alice.user.id, "CI agent");
  await connection(bob.user.id, "Bob's");

  const callers = {
    alice: await callerFor(alice.sessionId),
    bob: await callerFor(bob.sessionId),
    pat: await callerFor(pat.sessionId),
    outsider: await callerFor(outsider.sessionId),
  } satisfies Record<string, Caller>;

  return {
    users: { publisher, alice, bob, pat, outsider },
    servers: { weather, notes, draftShared, patLive, patDraft },
    aliceConnections: [aliceFirst, aliceSecond],
    callers,
    mine: new Set([weather, notes, draftShared, patLive, patDraft].map((server) => server.id)),
  };
}

beforeAll(async () => {
  fixture = await buildFixture();
});

afterAll(async () => {
  await disconnectDb();
});

type Who = keyof typeof fixture.callers;

async function slugsFor(who: Who, input?: { search?: string; tags?: string[] }) {
  const list = await fixture.callers[who].catalog.list(input);
  return list.servers.filter((card) => fixture.mine.has(card.id)).map((card) => card.slug);
}

describe("catalog.list", () => {
  it("shows each user exactly their granted approved servers and their own personal ones", async () => {
    const s = fixture.servers;
    expect(await slugsFor("alice")).toEqual([s.weather.slug]);
    expect(await slugsFor("bob")).toEqual([s.weather.slug, s.notes.slug]);
    expect(await slugsFor("pat")).toEqual([s.patDraft.slug, s.patLive.slug]);
    expect(await slugsFor("outsider")).toEqual([]);
  });

  it("builds cards with a plain-text excerpt, safe icon, tool counts under the allow-list and connections", async () => {
    const s = fixture.servers;
    const alice = await fixture.callers.alice.catalog.list();
    expect(alice.servers.find((card) => card.id === s.weather.id)).toEqual({
      id: s.weather.id,
      slug: s.weather.slug,
      name: `Alpha Weather ${SUFFIX}`,
      description: `Weather Get forecasts from the API — ref-${SUFFIX}-desc.`,
      iconUrl: "https://cdn.example/weather.png",
      tags: ["weather", `t-${SUFFIX}`],
      scope: "SHARED",
      isDraft: false,
      transport: "STREAMABLE_HTTP",
      version: "2.1.0",
      // the team registry allows get_forecast (and a tool the upstream does not offer)
      toolCount: 1,
      health: { status: "HEALTHY", latencyMs: 42, checkedAt: expect.any(Date) },
      connectionCount: 2,
    });

    const bob = await fixture.callers.bob.catalog.list();
    const bobWeather = bob.servers.find((card) => card.id === s.weather.id);
    const bobNotes = bob.servers.find((card) => card.id === s.notes.id);
    expect(bobWeather).toMatchObject({ toolCount: 3, connectionCount: 1 });
    expect(bobNotes).toMatchObject({
      iconUrl: null,
      transport: "SSE",
      toolCount: null,
      connectionCount: 0,
      health: { status: "UNHEALTHY", latencyMs: null, checkedAt: null },
    });

    const pat = await fixture.callers.pat.catalog.list();
    expect(pat.servers.find((card) => card.id === s.patLive.id)).toMatchObject({
      scope: "PERSONAL",
      isDraft: false,
      toolCount: 2,
    });
    expect(pat.servers.find((card) => card.id === s.patDraft.id)).toMatchObject({
      scope: "PERSONAL",
      isDraft: true,
      transport: "STDIO",
      version: "0.1.0",
      toolCount: null,
    });
  });

  it("counts every tag across the user's visible servers, whatever the filters", async () => {
    const facetsOf = async (who: Who, input?: { search?: string; tags?: string[] }) => {
      const list = await fixture.callers[who].catalog.list(input);
      const mineOnly = new Set(["weather", "notes", `t-${SUFFIX}`]);
      return list.facets.filter((facet) => mineOnly.has(facet.tag.toLowerCase()));
    };
    // Other files' servers may carry "weather" or "notes" too, so only the suffixed tag is exact.
    const bob = await facetsOf("bob");
    expect(bob.find((facet) => facet.tag === `t-${SUFFIX}`)).toEqual({ tag: `t-${SUFFIX}`, count: 2 });
    expect(bob.map((facet) => facet.tag.toLowerCase()).sort()).toEqual(["notes", `t-${SUFFIX}`, "weather"]);
    expect(await facetsOf("bob", { search: "no match at all" })).toEqual(bob);
    const alice = await facetsOf("alice");
    expect(alice.find((facet) => facet.tag === `t-${SUFFIX}`)).toEqual({ tag: `t-${SUFFIX}`, count: 1 });
    expect(alice.some((facet) => facet.tag.toLowerCase() === "notes")).toBe(false);
  });

  it("searches name, slug, description and tags, ignoring case and width", async () => {
    const s = fixture.servers;
    expect(await slugsFor("bob", { search: `ALPHA weather ${SUFFIX}` })).toEqual([s.weather.slug]);
    expect(await slugsFor("bob", { search: `notes-${SUFFIX}` })).toEqual([s.notes.slug]);
    expect(await slugsFor("bob", { search: `REF-${SUFFIX}-DESC` })).toEqual([s.weather.slug]);
    expect(await slugsFor("bob", { search: `t-${SUFFIX}` })).toEqual([s.weather.slug, s.notes.slug]);
    // Fullwidth letters fold to ASCII (NFKC).
    expect(await slugsFor("bob", { search: `ｂｅｔａ ${SUFFIX}` })).toEqual([s.notes.slug]);
    expect(await slugsFor("bob", { search: `zzz-${SUFFIX}` })).toEqual([]);
    // Search only ever narrows what the user may see.
    expect(await slugsFor("alice", { search: `notes-${SUFFIX}` })).toEqual([]);
    expect(await slugsFor("outsider", { search: SUFFIX })).toEqual([]);
  });

  it("filters by tags: every selected tag must be present, ignoring case", async () => {
    const s = fixture.servers;
    expect(await slugsFor("bob", { tags: [`t-${SUFFIX}`] })).toEqual([s.weather.slug, s.notes.slug]);
    expect(await slugsFor("bob", { tags: [`t-${SUFFIX}`, "notes"] })).toEqual([s.notes.slug]);
    expect(await slugsFor("bob", { tags: [`T-${SUFFIX}`, "WEATHER"] })).toEqual([s.weather.slug]);
    expect(await slugsFor("bob", { tags: ["weather", "notes"] })).toEqual([]);
    expect(await slugsFor("bob", { search: "beta", tags: [`t-${SUFFIX}`] })).toEqual([s.notes.slug]);
  });

  it("reports how many servers the user can see before filters", async () => {
    const all = await fixture.callers.bob.catalog.list();
    const filtered = await fixture.callers.bob.catalog.list({ search: `zzz-${SUFFIX}` });
    expect(filtered.servers).toEqual([]);
    expect(filtered.total).toBe(all.total);
    expect(all.total).toBe(all.servers.length);
  });

  it("reads each table once, however many servers are visible", async () => {
    const counts = new Map<string, number>();
    const counting = db().$extends({
      query: {
        $allModels: {
          $allOperations({ model, args, query }) {
            counts.set(model, (counts.get(model) ?? 0) + 1);
            return query(args);
          },
        },
      },
    }) as unknown as Db;
    const list = await listCatalog({ db: counting, userId: fixture.users.bob.user.id });
    expect(list.servers.length).toBeGreaterThanOrEqual(2);
    expect(Object.fromEntries(counts)).toEqual({
      User: 1,
      Server: 2, // the user's personal servers, then the metadata of every visible one
      RegistryServer: 1,
      ServerVersion: 1,
      Connection: 1,
    });
  });

  it("never returns the publisher's shared values, secrets or email", async () => {
    const text = JSON.stringify(await fixture.callers.bob.catalog.list());
    expect(text).not.toContain(SHARED_VALUE);
    expect(text).not.toContain(SHARED_SECRET);
    expect(text).not.toContain(fixture.users.publisher.user.email);
  });
});

describe("catalog.get", () => {
  it("returns the server page with only the tools the user may call", async () => {
    const s = fixture.servers;
    const [first, second] = fixture.aliceConnections;
    const detail = await fixture.callers.alice.catalog.get({ slug: s.weather.slug });
    expect(detail).toMatchObject({
      id: s.weather.id,
      slug: s.weather.slug,
      name: `Alpha Weather ${SUFFIX}`,
      description: `# Weather\n\nGet **forecasts** from [the API](https://api.example) — ref-${SUFFIX}-desc.`,
      tags: ["weather", `t-${SUFFIX}`],
      websiteUrl: "https://weather.example/",
      repositoryUrl: null,
      scope: "SHARED",
      isDraft: false,
      publisher: { name: fixture.users.publisher.user.name, isYou: false },
      health: { status: "HEALTHY", latencyMs: 42, error: null },
      version: { version: "2.1.0", transport: "STREAMABLE_HTTP", discoveredAt: expect.any(Date) },
      isDiscovered: true,
      hiddenToolCount: 2,
      prompts: [
        {
          name: "plan_trip",
          title: null,
          description: "Plan a trip",
          arguments: [{ name: "destination", description: "Where to", required: true }],
        },
      ],
      resources: [
        { uri: "weather://stations", name: "Stations", description: "", mimeType: "application/json" },
      ],
      connections: [
        { id: first?.id, name: "Laptop", status: "CONFIGURED" },
        { id: second?.id, name: "CI agent", status: "CONFIGURED" },
      ],
    });
    expect(detail.tools).toEqual([
      {
        name: "get_forecast",
        title: "Get forecast",
        description: "Forecast for a city",
        parameters: [
          { name: "city", type: "string", required: true, description: "City name" },
          { name: "days", type: "integer", required: false, description: "" },
        ],
        schemaJson: expect.any(String),
      },
    ]);
    // PostgreSQL's jsonb orders keys its own way; the content is the same.
    expect(JSON.parse(detail.tools[0]?.schemaJson ?? "")).toEqual(WEATHER_CAPABILITIES.tools[0]?.inputSchema);
    expect(JSON.stringify(detail)).not.toMatch(/admin_reset|get_alerts|Resets everything/);
  });

  it("shows every tool when a registry grants them all, and only the user's own connections", async () => {
    const detail = await fixture.callers.bob.catalog.get({ slug: fixture.servers.weather.slug });
    expect(detail.tools.map((tool) => tool.name)).toEqual(["get_forecast", "get_alerts", "admin_reset"]);
    expect(detail.hiddenToolCount).toBe(0);
    expect(detail.connections.map((connection) => connection.name)).toEqual(["Bob's"]);
  });

  it("lists only the per-user configuration fields, without shared values or secrets", async () => {
    const detail = await fixture.callers.alice.catalog.get({ slug: fixture.servers.weather.slug });
    expect(detail.configuration).toEqual([
      {
        name: "API_KEY",
        label: "API key",
        description: "Your personal key",
        secret: true,
        required: true,
        default: null,
        choices: null,
        target: "env",
      },
      {
        name: "region",
        label: "Region",
        description: "",
        secret: false,
        required: false,
        default: "eu",
        choices: ["eu", "us"],
        target: "url-variable",
      },
    ]);
    const text = JSON.stringify(detail);
    expect(text).not.toContain(SHARED_VALUE);
    expect(text).not.toContain(SHARED_SECRET);
    expect(text).not.toContain("X-Team-Token");
    expect(text).not.toContain(fixture.users.publisher.user.email);
    expect(text).not.toContain("publicId");
  });

  it("says when tools were not discovered yet", async () => {
    const detail = await fixture.callers.bob.catalog.get({ slug: fixture.servers.notes.slug });
    expect(detail).toMatchObject({
      isDiscovered: false,
      tools: [],
      prompts: [],
      resources: [],
      hiddenToolCount: 0,
      iconUrl: null,
      health: { status: "UNHEALTHY", error: "connect ECONNREFUSED" },
      version: { transport: "SSE", discoveredAt: null },
    });
  });

  it("shows a personal draft to its owner as a draft, without a version", async () => {
    const detail = await fixture.callers.pat.catalog.get({ slug: fixture.servers.patDraft.slug });
    expect(detail).toMatchObject({
      scope: "PERSONAL",
      isDraft: true,
      version: null,
      publisher: { isYou: true },
      configuration: [],
    });
  });

  it("canonicalizes the slug: case and full-width forms find the server", async () => {
    const slug = fixture.servers.weather.slug;
    const wide = Array.from(slug, (char) =>
      /[a-z0-9]/.test(char) ? String.fromCodePoint((char.codePointAt(0) ?? 0) + 0xfee0) : char,
    ).join("");
    for (const form of [slug.toUpperCase(), ` ${slug} `, wide]) {
      expect((await fixture.callers.bob.catalog.get({ slug: form })).id).toBe(fixture.servers.weather.id);
    }
  });

  it("answers NOT_FOUND for traversal, look-alikes and servers the user may not see", async () => {
    const s = fixture.servers;
    const slug = s.weather.slug;
    const cases: [Who, string][] = [
      ["bob", `../${slug}`],
      ["bob", `${slug}/..`],
      ["bob", `../../catalog/${slug}`],
      ["bob", `..%2f${slug}`],
      ["bob", `${slug}.`],
      ["bob", `${slug}%00`],
      ["bob", slug.replace("e", "\u0435")], // Cyrillic е
      ["bob", `${slug}\u200B`],
      ["bob", `\u202E${slug}`],
      ["bob", ""],
      ["bob", "x".repeat(300)],
      ["alice", s.notes.slug], // not granted to her
      ["bob", s.draftShared.slug], // granted, but not approved
      ["alice", s.draftShared.slug],
      ["bob", s.patLive.slug], // someone else's personal server, even though a registry lists it
      ["bob", s.patDraft.slug],
      ["outsider", slug],
    ];
    for (const [who, candidate] of cases) {
      await expectTrpcError(fixture.callers[who].catalog.get({ slug: candidate }), "NOT_FOUND");
    }
  });

  it("requires signing in", async () => {
    const anonymous = await callerFor(null);
    await expectTrpcError(anonymous.catalog.list(), "UNAUTHORIZED");
    await expectTrpcError(anonymous.catalog.get({ slug: fixture.servers.weather.slug }), "UNAUTHORIZED");
  });
});
