import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import type { PlatformRole } from "@/server/policy/permissions";
import { closeQueues } from "@/server/queue/queues";
import { openSecrets, secretContext } from "@/server/services/servers/config-fields";
import { allowOutboundHosts } from "@/server/services/settings/outbound-policy";
import { type Caller, callerFor, expectTrpcError, TEST_CLIENT_IP, TEST_USER_AGENT } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/**
 * Publishing catalog servers through tRPC, per role: who may publish what, review with reasons and
 * notifications, new versions that wait while the approved one keeps serving, other people's
 * servers as NOT_FOUND, audit rows, and shared secrets that never come back out. The database is
 * shared with parallel test files, so every assertion is about rows this file created.
 */

// An admin-allowed host under .invalid: no DNS lookup at save time, and discovery jobs that another
// test file's worker may pick up fail at once instead of dialling out.
const HOST = `lifecycle-${uniqueSuffix()}.invalid`;
const URL_BASE = `https://${HOST}`;

type Actor = { caller: Caller; userId: string; email: string };
const actors = {} as Record<PlatformRole, Actor>;

async function actor(role: PlatformRole): Promise<Actor> {
  const signed = await signedInUser(db(), role);
  return { caller: await callerFor(signed.sessionId), userId: signed.user.id, email: signed.user.email };
}

beforeAll(async () => {
  await allowOutboundHosts(db(), [HOST]);
  for (const role of ["OWNER", "ADMIN", "POWER_USER_PLUS", "POWER_USER", "BASIC_USER"] as const)
    actors[role] = await actor(role);
});

afterAll(async () => {
  await closeQueues();
  await disconnectDb();
});

function newServer(
  overrides: { scope?: "PERSONAL" | "SHARED"; intent?: "draft" | "publish"; slug?: string } = {},
) {
  const suffix = uniqueSuffix();
  return {
    intent: overrides.intent ?? "publish",
    scope: overrides.scope ?? "SHARED",
    metadata: {
      name: `Weather ${suffix}`,
      slug: overrides.slug ?? `weather-${suffix}`,
      description: "Forecasts for **anywhere**.",
      tags: ["weather", "Forecast", "weather"],
      websiteUrl: "https://weather.example/docs",
    },
    version: "1.0.0",
    definition: { transport: "STREAMABLE_HTTP" as const, url: `${URL_BASE}/mcp/${suffix}` },
  };
}

describe("who may publish what", () => {
  it.each([
    ["BASIC_USER", "PERSONAL", "FORBIDDEN"],
    ["BASIC_USER", "SHARED", "FORBIDDEN"],
    ["POWER_USER", "PERSONAL", "APPROVED"],
    ["POWER_USER", "SHARED", "FORBIDDEN"],
    ["POWER_USER_PLUS", "PERSONAL", "APPROVED"],
    ["POWER_USER_PLUS", "SHARED", "PENDING_APPROVAL"],
    ["ADMIN", "SHARED", "APPROVED"],
    ["OWNER", "SHARED", "APPROVED"],
  ] as const)("%s publishing a %s server → %s", async (role, scope, outcome) => {
    const { caller, userId } = actors[role];
    const input = newServer({ scope });
    if (outcome === "FORBIDDEN") {
      await expectTrpcError(caller.servers.create(input), "FORBIDDEN");
      expect(await db().server.findUnique({ where: { slug: input.metadata.slug } })).toBeNull();
      const denied = await db().auditEvent.findFirst({
        where: { actorUserId: userId, outcome: "DENIED" },
        orderBy: { occurredAt: "desc" },
      });
      expect(denied?.reason).toBe(
        role === "BASIC_USER"
          ? "missing permission server.publish_personal"
          : "missing permission server.submit_shared",
      );
      return;
    }
    const created = await caller.servers.create(input);
    const [version] = created.versions;
    expect(created).toMatchObject({
      slug: input.metadata.slug,
      scope,
      status: outcome,
      owner: { id: userId },
      tags: ["weather", "forecast"],
      approvedVersionId: outcome === "APPROVED" ? version?.id : null,
      viewer: { isOwner: true, canReview: role === "ADMIN" || role === "OWNER" },
    });
    expect(created.versions).toHaveLength(1);
    expect(version).toMatchObject({
      version: "1.0.0",
      status: outcome,
      isApproved: outcome === "APPROVED",
      // Personal servers are not reviewed; an admin's shared publish is reviewed by themself.
      reviewedBy: scope === "SHARED" && outcome === "APPROVED" ? { id: userId } : null,
      createdBy: { id: userId },
    });
    expect(version?.submittedAt).toBeInstanceOf(Date);
  });

  it.each([
    ["POWER_USER", "PERSONAL", "PENDING_APPROVAL"],
    ["POWER_USER_PLUS", "PERSONAL", "PENDING_APPROVAL"],
    ["POWER_USER_PLUS", "SHARED", "PENDING_APPROVAL"],
    ["ADMIN", "PERSONAL", "APPROVED"],
  ] as const)(
    "%s publishing a %s stdio package → %s (the gateway runs it: an admin allows it)",
    async (role, scope, outcome) => {
      const { caller, userId } = actors[role];
      const input = {
        ...newServer({ scope }),
        definition: { transport: "STDIO" as const, command: "npx", args: ["-y", "@acme/weather-mcp@2.1.0"] },
      };
      const created = await caller.servers.create(input);
      expect(created).toMatchObject({
        status: outcome,
        approvedVersionId: outcome === "APPROVED" ? created.versions[0]?.id : null,
      });
      expect(created.versions[0]).toMatchObject({
        status: outcome,
        reviewedBy: outcome === "APPROVED" ? { id: userId } : null,
      });
    },
  );

  it("a draft stays a draft until submitted, whatever the role", async () => {
    const { caller } = actors.ADMIN;
    const draft = await caller.servers.create(newServer({ intent: "draft" }));
    expect(draft).toMatchObject({ status: "DRAFT", approvedVersionId: null });
    expect(draft.versions[0]).toMatchObject({ status: "DRAFT", submittedAt: null });
    const submitted = await caller.servers.submit({ serverId: draft.id });
    expect(submitted).toMatchObject({ status: "APPROVED", approvedVersionId: draft.versions[0]?.id });
  });
});

describe("review", () => {
  it("an admin publishing someone else's version approves it: audited as an approval, the owner told", async () => {
    const owner = await actor("POWER_USER_PLUS");
    const admin = actors.ADMIN;
    const created = await owner.caller.servers.create(newServer());
    await admin.caller.servers.review({
      serverId: created.id,
      versionId: created.versions[0]?.id as string,
      decision: "approve",
    });
    const next = await admin.caller.servers.createVersion({
      serverId: created.id,
      version: "1.1.0",
      definition: { transport: "STREAMABLE_HTTP", url: `${URL_BASE}/mcp/next-${uniqueSuffix()}` },
    });
    const added = next.versions.find((version) => version.version === "1.1.0");
    expect(added).toMatchObject({ status: "APPROVED", reviewedBy: { id: admin.userId } });
    const approvals = await db().auditEvent.findMany({
      where: { targetId: created.id, action: "server.approve" },
      orderBy: { occurredAt: "asc" },
    });
    expect(
      approvals.map((event) => [event.actorUserId, (event.metadata as { version?: string }).version]),
    ).toEqual([
      [admin.userId, "1.0.0"],
      [admin.userId, "1.1.0"],
    ]);
    const told = await db().notification.findMany({
      where: { userId: owner.userId, link: `/servers/${created.id}`, kind: "server.approved" },
    });
    expect(told.map((notification) => notification.title)).toEqual(
      expect.arrayContaining([`"${created.name}" 1.1.0 was approved`]),
    );
  });

  it("rejecting needs a reason and notifies the owner; resubmitting and approving notifies again", async () => {
    const owner = actors.POWER_USER_PLUS;
    const admin = actors.ADMIN;
    const created = await owner.caller.servers.create(newServer());
    const versionId = created.versions[0]?.id as string;
    expect(created.status).toBe("PENDING_APPROVAL");

    const queue = await admin.caller.servers.reviewQueue();
    const entry = queue.find((item) => item.versionId === versionId);
    expect(entry).toMatchObject({
      version: "1.0.0",
      server: { id: created.id, slug: created.slug, approvedVersion: null },
      owner: { id: owner.userId, email: owner.email },
      submittedBy: { id: owner.userId },
      isUpdate: false,
    });
    await expectTrpcError(owner.caller.servers.reviewQueue(), "FORBIDDEN");
    await expectTrpcError(
      owner.caller.servers.review({ serverId: created.id, versionId, decision: "approve" }),
      "FORBIDDEN",
    );

    await expectTrpcError(
      admin.caller.servers.review({
        serverId: created.id,
        versionId,
        decision: "reject",
        reason: "  \u200B ",
      }),
      "BAD_REQUEST",
      "Say why the server is rejected; the owner reads the reason.",
    );
    const rejected = await admin.caller.servers.review({
      serverId: created.id,
      versionId,
      decision: "reject",
      reason: "The URL points at a staging system.",
    });
    expect(rejected).toMatchObject({ status: "REJECTED", approvedVersionId: null });
    expect(rejected.versions[0]).toMatchObject({
      status: "REJECTED",
      reviewReason: "The URL points at a staging system.",
      reviewedBy: { id: admin.userId },
    });
    expect((await admin.caller.servers.reviewQueue()).some((item) => item.versionId === versionId)).toBe(
      false,
    );
    await expectTrpcError(
      admin.caller.servers.review({ serverId: created.id, versionId, decision: "approve" }),
      "CONFLICT",
      "Version 1.0.0 is not waiting for review: it was already rejected.",
    );

    const inbox = await owner.caller.notifications.list();
    const rejection = inbox.items.find((n) => n.link === `/servers/${created.id}`);
    expect(rejection).toMatchObject({
      kind: "server.rejected",
      title: `"${created.name}" 1.0.0 was not approved`,
      body: "The URL points at a staging system.",
      readAt: null,
    });
    expect(inbox.unreadCount).toBeGreaterThanOrEqual(1);

    const resubmitted = await owner.caller.servers.submit({ serverId: created.id });
    expect(resubmitted.status).toBe("PENDING_APPROVAL");
    expect(resubmitted.versions[0]).toMatchObject({ status: "PENDING_APPROVAL", reviewReason: null });
    const approved = await admin.caller.servers.review({
      serverId: created.id,
      versionId,
      decision: "approve",
      reason: "Looks good.",
    });
    expect(approved).toMatchObject({ status: "APPROVED", approvedVersionId: versionId });

    const kinds = (
      await db().notification.findMany({
        where: { userId: owner.userId, link: `/servers/${created.id}` },
        orderBy: { createdAt: "asc" },
      })
    ).map((n) => [n.kind, n.body]);
    expect(kinds).toEqual([
      ["server.rejected", "The URL points at a staging system."],
      ["server.approved", "Looks good."],
    ]);
    // The reviewer gets no notification about their own decision.
    expect(
      await db().notification.count({ where: { userId: admin.userId, link: `/servers/${created.id}` } }),
    ).toBe(0);

    const actions = (
      await db().auditEvent.findMany({ where: { targetId: created.id }, orderBy: { occurredAt: "asc" } })
    ).map((event) => [event.action, event.outcome, event.actorUserId, event.reason]);
    expect(actions).toEqual([
      ["server.create", "OK", owner.userId, null],
      ["server.reject", "OK", admin.userId, "The URL points at a staging system."],
      ["server.submit", "OK", owner.userId, null],
      ["server.approve", "OK", admin.userId, "Looks good."],
    ]);
    const approval = await db().auditEvent.findFirstOrThrow({
      where: { targetId: created.id, action: "server.approve" },
    });
    expect(approval).toMatchObject({ clientIp: TEST_CLIENT_IP, userAgent: TEST_USER_AGENT });
    expect(approval.metadata).toMatchObject({
      versionId,
      before: { serverStatus: "PENDING_APPROVAL", approvedVersionId: null },
      after: { serverStatus: "APPROVED", approvedVersionId: versionId },
    });
  });

  it("tells every active reviewer that a version waits for them, and nobody else", async () => {
    const submitter = await actor("POWER_USER_PLUS");
    const [reviewer, owner, away, publisher] = await Promise.all([
      actor("ADMIN"),
      actor("OWNER"),
      actor("ADMIN"),
      actor("POWER_USER"),
    ]);
    await db().user.update({ where: { id: away.userId }, data: { status: "DEACTIVATED" } });
    const created = await submitter.caller.servers.create(newServer());
    const told = async (who: Actor) =>
      db().notification.findMany({
        where: { userId: who.userId, kind: "server.submitted", title: { contains: created.name } },
      });
    for (const who of [reviewer, owner])
      expect(await told(who)).toEqual([
        expect.objectContaining({
          title: `"${created.name}" 1.0.0 waits for your review`,
          body: "A new server for the catalog.",
          link: `/reviews?server=${created.id}`,
          readAt: null,
        }),
      ]);
    for (const who of [submitter, away, publisher]) expect(await told(who)).toEqual([]);

    // An update of an approved server says so, once the earlier notice was read; while one is
    // unread, further submissions of the server add none.
    await reviewer.caller.servers.review({
      serverId: created.id,
      versionId: created.versions[0]?.id as string,
      decision: "approve",
    });
    await reviewer.caller.notifications.markRead({ all: true });
    for (const version of ["1.1.0", "1.2.0"])
      await submitter.caller.servers.createVersion({
        serverId: created.id,
        version,
        definition: { transport: "STREAMABLE_HTTP", url: `${URL_BASE}/v-${version}` },
        intent: "publish",
      });
    const unread = (await told(reviewer)).filter((n) => n.readAt === null);
    expect(unread.map((n) => [n.title, n.body])).toEqual([
      [`"${created.name}" 1.1.0 waits for your review`, "An update of a server in the catalog."],
    ]);
    // The Owner has not read the first notice yet: still one.
    expect(await told(owner)).toHaveLength(1);
  });

  it("marks notifications read, one at a time or all, and only the caller's own", async () => {
    const owner = await actor("POWER_USER_PLUS");
    const stranger = await actor("POWER_USER");
    const admin = actors.ADMIN;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const created = await owner.caller.servers.create(newServer());
      await admin.caller.servers.review({
        serverId: created.id,
        versionId: created.versions[0]?.id as string,
        decision: "approve",
      });
      ids.push(created.id);
    }
    const inbox = await owner.caller.notifications.list();
    expect(inbox.unreadCount).toBe(2);
    expect(inbox.items.map((n) => n.link)).toEqual(ids.map((id) => `/servers/${id}`).reverse());
    const [newest, oldest] = inbox.items;

    expect(await stranger.caller.notifications.markRead({ ids: [newest?.id as string] })).toEqual({
      updated: 0,
      unreadCount: 0,
    });
    expect(await owner.caller.notifications.markRead({ ids: [newest?.id as string] })).toEqual({
      updated: 1,
      unreadCount: 1,
    });
    expect(await owner.caller.notifications.markRead({ all: true })).toEqual({ updated: 1, unreadCount: 0 });
    const after = await owner.caller.notifications.list();
    expect(after.items.every((n) => n.readAt instanceof Date)).toBe(true);
    expect(after.items.map((n) => n.id)).toEqual([newest?.id, oldest?.id]);
  });
});

describe("versions", () => {
  it("a new version of an approved shared server waits for review while the old one keeps serving", async () => {
    const owner = actors.POWER_USER_PLUS;
    const admin = actors.ADMIN;
    const created = await owner.caller.servers.create(newServer());
    const v1 = created.versions[0]?.id as string;
    await admin.caller.servers.review({ serverId: created.id, versionId: v1, decision: "approve" });

    await expectTrpcError(
      owner.caller.servers.createVersion({
        serverId: created.id,
        version: "1.0.0",
        definition: { transport: "STREAMABLE_HTTP", url: `${URL_BASE}/v1` },
      }),
      "CONFLICT",
      "Version 1.0.0 already exists for this server; use a new version.",
    );
    const updated = await owner.caller.servers.createVersion({
      serverId: created.id,
      version: "2.0.0",
      definition: { transport: "SSE", url: `${URL_BASE}/sse` },
    });
    const v2 = updated.versions[0];
    expect(updated).toMatchObject({ status: "APPROVED", approvedVersionId: v1 });
    expect(updated.versions.map((v) => [v.version, v.status, v.isApproved])).toEqual([
      ["2.0.0", "PENDING_APPROVAL", false],
      ["1.0.0", "APPROVED", true],
    ]);
    const queued = (await admin.caller.servers.reviewQueue()).find((item) => item.versionId === v2?.id);
    expect(queued).toMatchObject({
      isUpdate: true,
      server: { approvedVersion: { id: v1, version: "1.0.0" } },
    });

    // Rejecting the update leaves the approved version serving.
    const rejected = await admin.caller.servers.review({
      serverId: created.id,
      versionId: v2?.id as string,
      decision: "reject",
      reason: "SSE is deprecated upstream.",
    });
    expect(rejected).toMatchObject({ status: "APPROVED", approvedVersionId: v1 });

    const v3 = await owner.caller.servers.createVersion({
      serverId: created.id,
      version: "3.0.0",
      definition: { transport: "STREAMABLE_HTTP", url: `${URL_BASE}/v3` },
    });
    const v3Id = v3.versions[0]?.id as string;
    expect(v3.approvedVersionId).toBe(v1);
    const approved = await admin.caller.servers.review({
      serverId: created.id,
      versionId: v3Id,
      decision: "approve",
    });
    expect(approved).toMatchObject({ status: "APPROVED", approvedVersionId: v3Id });
    expect(approved.versions.map((v) => [v.version, v.status, v.isApproved])).toEqual([
      ["3.0.0", "APPROVED", true],
      ["2.0.0", "REJECTED", false],
      ["1.0.0", "APPROVED", false],
    ]);
    const versionAudit = await db().auditEvent.findFirstOrThrow({
      where: {
        targetId: created.id,
        action: "server.version.create",
        metadata: { path: ["versionId"], equals: v3Id },
      },
    });
    expect(versionAudit.metadata).toMatchObject({
      status: "PENDING_APPROVAL",
      previousApprovedVersionId: v1,
    });
  });

  it("a new version of a personal server, or by an admin, is approved at once and becomes the version new connections use", async () => {
    const personal = await actors.POWER_USER.caller.servers.create(newServer({ scope: "PERSONAL" }));
    const next = await actors.POWER_USER.caller.servers.createVersion({
      serverId: personal.id,
      version: "1.1.0",
      definition: { transport: "STREAMABLE_HTTP", url: `${URL_BASE}/next` },
    });
    expect(next.approvedVersionId).toBe(next.versions[0]?.id);
    expect(next.versions[0]).toMatchObject({ version: "1.1.0", status: "APPROVED", reviewedBy: null });

    const shared = await actors.POWER_USER_PLUS.caller.servers.create(newServer());
    await actors.ADMIN.caller.servers.review({
      serverId: shared.id,
      versionId: shared.versions[0]?.id as string,
      decision: "approve",
    });
    const byAdmin = await actors.ADMIN.caller.servers.createVersion({
      serverId: shared.id,
      version: "1.0.1",
      definition: { transport: "STREAMABLE_HTTP", url: `${URL_BASE}/fix` },
    });
    expect(byAdmin.approvedVersionId).toBe(byAdmin.versions[0]?.id);
    expect(byAdmin.versions[0]).toMatchObject({ status: "APPROVED", createdBy: { id: actors.ADMIN.userId } });
  });
});

describe("other people's servers", () => {
  it("are NOT_FOUND for everyone but their owner and admins", async () => {
    const owner = actors.POWER_USER_PLUS;
    const other = await actor("POWER_USER_PLUS");
    const created = await owner.caller.servers.create(newServer({ scope: "PERSONAL" }));
    const versionId = created.versions[0]?.id as string;
    const serverId = created.id;
    const notFound = "This server does not exist, or you cannot manage it.";

    await expectTrpcError(other.caller.servers.get({ serverId }), "NOT_FOUND", notFound);
    await expectTrpcError(other.caller.servers.get({ slug: created.slug }), "NOT_FOUND", notFound);
    await expectTrpcError(other.caller.servers.update({ serverId, name: "Mine now" }), "NOT_FOUND", notFound);
    await expectTrpcError(
      other.caller.servers.createVersion({
        serverId,
        version: "9.0.0",
        definition: { transport: "STREAMABLE_HTTP", url: `${URL_BASE}/x` },
      }),
      "NOT_FOUND",
      notFound,
    );
    await expectTrpcError(other.caller.servers.submit({ serverId }), "NOT_FOUND", notFound);
    await expectTrpcError(other.caller.servers.retire({ serverId }), "NOT_FOUND", notFound);
    await expectTrpcError(other.caller.servers.refreshDiscovery({ serverId }), "NOT_FOUND", notFound);
    await expectTrpcError(
      other.caller.servers.updateVersion({
        serverId,
        versionId,
        definition: { transport: "STREAMABLE_HTTP", url: `${URL_BASE}/x` },
      }),
      "NOT_FOUND",
      notFound,
    );
    // An id that does not exist reads the same.
    await expectTrpcError(
      other.caller.servers.get({ serverId: "0197f000-0000-7000-8000-000000000000" }),
      "NOT_FOUND",
      notFound,
    );
    await expectTrpcError(other.caller.servers.get({ slug: "../admin" }), "NOT_FOUND", notFound);
    expect((await other.caller.servers.list()).some((row) => row.id === serverId)).toBe(false);
    await expectTrpcError(other.caller.servers.list({ scope: "all" }), "FORBIDDEN");

    // Canonical forms reach the owner's own server (X3).
    expect((await owner.caller.servers.get({ serverId: serverId.toUpperCase() })).id).toBe(serverId);
    expect((await owner.caller.servers.get({ slug: ` ${created.slug.toUpperCase()} ` })).id).toBe(serverId);
    expect((await actors.ADMIN.caller.servers.get({ serverId })).viewer).toEqual({
      isOwner: false,
      canReview: true,
    });
    const all = await actors.ADMIN.caller.servers.list({ scope: "all", search: created.slug });
    expect(all.map((row) => row.id)).toEqual([serverId]);
    const mine = await owner.caller.servers.list({ status: "APPROVED", search: created.slug });
    expect(mine).toMatchObject([
      {
        id: serverId,
        scope: "PERSONAL",
        owner: { id: owner.userId },
        latestVersion: { version: "1.0.0", status: "APPROVED" },
        approvedVersion: { id: versionId, version: "1.0.0" },
        pendingVersionCount: 0,
      },
    ]);
  });
});

describe("metadata", () => {
  it("is edited only while the owner still holds the scope's permission", async () => {
    const owner = await signedInUser(db(), "POWER_USER_PLUS");
    const asOwner = await callerFor(owner.sessionId);
    const created = await asOwner.servers.create(newServer());
    await asOwner.servers.update({ serverId: created.id, name: "Renamed while Power user+" });
    // Demoted to Power user: the shared server everyone granted it sees is no longer theirs to change.
    await db().user.update({ where: { id: owner.user.id }, data: { role: "POWER_USER" } });
    const asDemoted = await callerFor(owner.sessionId);
    await expectTrpcError(
      asDemoted.servers.update({ serverId: created.id, name: "Renamed after demotion" }),
      "FORBIDDEN",
    );
    const stored = await db().server.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.name).toBe("Renamed while Power user+");
  });

  it("canonicalizes, cleans and checks it, naming the field at fault", async () => {
    const { caller } = actors.POWER_USER;
    const suffix = uniqueSuffix();
    const created = await caller.servers.create({
      ...newServer({ scope: "PERSONAL", slug: ` Clean-${suffix} ` }),
      metadata: {
        name: "  Evil\u202Egnp.exe \u200B Server  ",
        slug: ` Clean-${suffix} `,
        description: "Line one\r\nline\u200B two\u0007",
        tags: [" AI ", "ai", "data-tools"],
        iconUrl: "",
        repositoryUrl: "https://github.com/acme/weather",
      },
    });
    expect(created).toMatchObject({
      slug: `clean-${suffix}`,
      name: "Evil gnp.exe Server",
      description: "Line one\nline two",
      tags: ["ai", "data-tools"],
      iconUrl: null,
      repositoryUrl: "https://github.com/acme/weather",
    });

    const base = newServer({ scope: "PERSONAL" });
    for (const [patch, field, message] of [
      [{ slug: "new" }, "slug", '"new" is reserved; choose another slug.'],
      [{ slug: "review" }, "slug", '"review" is reserved; choose another slug.'],
      [{ slug: "a/b" }, "slug", undefined],
      [{ slug: "-lead" }, "slug", undefined],
      [{ slug: "x".repeat(64) }, "slug", undefined],
      [{ name: " \u200B " }, "name", "Enter a name."],
      [{ name: "n".repeat(201) }, "name", "Name must be at most 200 characters."],
      [{ description: "d".repeat(5001) }, "description", "Description must be at most 5000 characters."],
      [
        { websiteUrl: "javascript:alert(1)" },
        "websiteUrl",
        "Website URL must be an absolute http:// or https:// URL.",
      ],
      [{ iconUrl: "/relative.png" }, "iconUrl", "Icon URL must be an absolute http:// or https:// URL."],
      [
        { repositoryUrl: "ftp://example.com/r" },
        "repositoryUrl",
        "Repository URL must be an absolute http:// or https:// URL.",
      ],
      [
        { websiteUrl: "https://user:pw@example.com" },
        "websiteUrl",
        "Website URL must not contain a user name or password.",
      ],
      [{ tags: ["ok", "Not Ok!"] }, "tags", undefined],
      [{ tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, "tags", "At most 10 tags."],
    ] as [Partial<typeof base.metadata> & { iconUrl?: string; repositoryUrl?: string }, string, string?][]) {
      const error = await caller.servers.create({ ...base, metadata: { ...base.metadata, ...patch } }).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error, JSON.stringify(patch)).toMatchObject({ code: "BAD_REQUEST" });
      const details = (error as { cause?: { details?: { fieldErrors?: Record<string, string[]> } } }).cause
        ?.details;
      expect(Object.keys(details?.fieldErrors ?? {}), JSON.stringify(patch)).toEqual([field]);
      if (message) expect((error as Error).message).toBe(message);
    }

    await expectTrpcError(
      caller.servers.create({ ...base, metadata: { ...base.metadata, slug: created.slug.toUpperCase() } }),
      "CONFLICT",
      `The slug "${created.slug}" is already used by another server; choose another.`,
    );
  });

  it("updates metadata with an audit of what changed, and refuses a taken slug", async () => {
    const { caller, userId } = actors.POWER_USER_PLUS;
    const first = await caller.servers.create(newServer({ scope: "PERSONAL" }));
    const second = await caller.servers.create(newServer({ scope: "PERSONAL" }));
    const renamed = await caller.servers.update({
      serverId: first.id,
      name: "Renamed",
      websiteUrl: null,
      tags: ["Renamed"],
    });
    expect(renamed).toMatchObject({ name: "Renamed", websiteUrl: null, tags: ["renamed"], slug: first.slug });
    const event = await db().auditEvent.findFirstOrThrow({
      where: { targetId: first.id, action: "server.update" },
    });
    expect(event.actorUserId).toBe(userId);
    expect(event.metadata).toEqual({
      slug: first.slug,
      before: { name: first.name, websiteUrl: "https://weather.example/docs", tags: ["weather", "forecast"] },
      after: { name: "Renamed", websiteUrl: null, tags: ["renamed"] },
    });
    await expectTrpcError(
      caller.servers.update({ serverId: first.id, slug: second.slug }),
      "CONFLICT",
      `The slug "${second.slug}" is already used by another server; choose another.`,
    );
  });
});

describe("shared secrets", () => {
  it("are sealed, never returned, never audited, and carried into the next version when left blank", async () => {
    const { caller } = actors.POWER_USER;
    const secret = `sk-live-${uniqueSuffix()}${uniqueSuffix()}`;
    const input = newServer({ scope: "PERSONAL" });
    const created = await caller.servers.create({
      ...input,
      definition: {
        ...input.definition,
        upstreamAuth: "STATIC_HEADER",
        configSchema: [
          {
            name: "X-Api-Key",
            label: "API key",
            target: "header",
            secret: true,
            required: true,
            perUser: false,
          },
          { name: "X-Team", label: "Team", target: "header", perUser: false },
          { name: "X-User", label: "Your user", target: "header", perUser: true },
        ],
        sharedValues: { "X-Api-Key": secret, "X-Team": "platform" },
      },
    });
    const fetched = await caller.servers.get({ serverId: created.id });
    expect(fetched.versions[0]).toMatchObject({
      upstreamAuth: "STATIC_HEADER",
      sharedConfig: { "X-Team": "platform" },
      sharedSecretsSet: ["X-Api-Key"],
    });
    expect(JSON.stringify(fetched)).not.toContain(secret);
    expect(JSON.stringify(created)).not.toContain(secret);

    const row = await db().serverVersion.findUniqueOrThrow({ where: { id: created.versions[0]?.id } });
    expect(Buffer.from(row.sharedSecrets ?? new Uint8Array()).includes(Buffer.from(secret))).toBe(false);
    expect(JSON.stringify(row.sharedConfig)).not.toContain(secret);
    const audits = await db().auditEvent.findMany({ where: { targetId: created.id } });
    expect(audits.length).toBeGreaterThan(0);
    expect(JSON.stringify(audits.map((a) => a.metadata))).not.toContain(secret);

    // Left blank on the next version: kept, and re-sealed to the new row.
    const next = await caller.servers.createVersion({
      serverId: created.id,
      version: "1.1.0",
      definition: {
        transport: "STREAMABLE_HTTP",
        url: `${URL_BASE}/v2`,
        upstreamAuth: "STATIC_HEADER",
        configSchema: [
          {
            name: "X-Api-Key",
            label: "API key",
            target: "header",
            secret: true,
            required: true,
            perUser: false,
          },
        ],
      },
    });
    const nextId = next.versions[0]?.id as string;
    expect(next.versions[0]?.sharedSecretsSet).toEqual(["X-Api-Key"]);
    const nextRow = await db().serverVersion.findUniqueOrThrow({ where: { id: nextId } });
    expect(openSecrets(nextRow.sharedSecrets, secretContext.serverVersion(nextId))).toEqual({
      "X-Api-Key": secret,
    });
    // Bound to its row: the old row's ciphertext does not open as the new one.
    expect(() => openSecrets(row.sharedSecrets, secretContext.serverVersion(nextId))).toThrow();

    // Not toward another upstream, nor through a field of another target: a version whose URL's
    // host changed, or that moves the header into the URL, must have the secret typed again
    // (discovery would otherwise carry it to wherever the new definition points).
    const apiKeyAs = (target: "header" | "url-variable") => ({
      name: "X-Api-Key",
      label: "API key",
      target,
      secret: true,
      required: true,
      perUser: false,
    });
    const elsewhere = `elsewhere-${uniqueSuffix()}.invalid`;
    await allowOutboundHosts(db(), [elsewhere]);
    for (const [version, url, target] of [
      ["1.2.0", `https://${elsewhere}/mcp`, "header"],
      ["1.3.0", `${URL_BASE}/{X-Api-Key}`, "url-variable"],
    ] as const) {
      await expectTrpcError(
        caller.servers.createVersion({
          serverId: created.id,
          version,
          definition: {
            transport: "STREAMABLE_HTTP",
            url,
            upstreamAuth: target === "header" ? "STATIC_HEADER" : "NONE",
            configSchema: [apiKeyAs(target)],
          },
        }),
        "BAD_REQUEST",
        "API key needs a shared value before the server is published.",
      );
      // As a draft it saves, without the secret.
      const draft = await caller.servers.createVersion({
        serverId: created.id,
        version,
        intent: "draft",
        definition: {
          transport: "STREAMABLE_HTTP",
          url,
          upstreamAuth: target === "header" ? "STATIC_HEADER" : "NONE",
          configSchema: [apiKeyAs(target)],
        },
      });
      expect(draft.versions.find((v) => v.version === version)?.sharedSecretsSet).toEqual([]);
    }

    // Publishing without a required shared secret is refused.
    await expectTrpcError(
      caller.servers.create({
        ...newServer({ scope: "PERSONAL" }),
        definition: {
          transport: "STREAMABLE_HTTP",
          url: `${URL_BASE}/none`,
          configSchema: [
            {
              name: "X-Api-Key",
              label: "API key",
              target: "header",
              secret: true,
              required: true,
              perUser: false,
            },
          ],
        },
      }),
      "BAD_REQUEST",
      "API key needs a shared value before the server is published.",
    );
  });
});

describe("drafts, updates and retirement", () => {
  it("edits a draft's definition, submits it, and retires the server (it stays in the database)", async () => {
    const owner = actors.POWER_USER_PLUS;
    const draft = await owner.caller.servers.create({
      ...newServer({ intent: "draft" }),
      definition: {
        transport: "STREAMABLE_HTTP",
        url: `${URL_BASE}/draft`,
        configSchema: [
          { name: "X-Org", label: "Organisation", target: "header", required: true, perUser: false },
        ],
      },
    });
    const versionId = draft.versions[0]?.id as string;
    await expectTrpcError(
      owner.caller.servers.submit({ serverId: draft.id }),
      "BAD_REQUEST",
      "Organisation needs a shared value before the server is published.",
    );
    const edited = await owner.caller.servers.updateVersion({
      serverId: draft.id,
      versionId,
      definition: {
        transport: "STREAMABLE_HTTP",
        url: `${URL_BASE}/draft`,
        configSchema: [
          { name: "X-Org", label: "Organisation", target: "header", required: true, perUser: false },
        ],
        sharedValues: { "X-Org": "acme" },
      },
    });
    expect(edited.versions[0]).toMatchObject({
      id: versionId,
      status: "DRAFT",
      sharedConfig: { "X-Org": "acme" },
    });
    const submitted = await owner.caller.servers.submit({ serverId: draft.id, versionId });
    expect(submitted.status).toBe("PENDING_APPROVAL");
    await expectTrpcError(
      owner.caller.servers.updateVersion({
        serverId: draft.id,
        versionId,
        definition: { transport: "STREAMABLE_HTTP", url: `${URL_BASE}/changed` },
      }),
      "CONFLICT",
    );
    await expectTrpcError(owner.caller.servers.submit({ serverId: draft.id }), "CONFLICT");

    const retired = await owner.caller.servers.retire({ serverId: draft.id });
    expect(retired.status).toBe("RETIRED");
    expect(retired.versions[0]?.status).toBe("RETIRED");
    expect(
      (await actors.ADMIN.caller.servers.reviewQueue()).some((item) => item.server.id === draft.id),
    ).toBe(false);
    await expectTrpcError(
      owner.caller.servers.update({ serverId: draft.id, name: "Back" }),
      "CONFLICT",
      `"${draft.name}" is retired; retired servers cannot be changed.`,
    );
    expect(await db().server.findUnique({ where: { id: draft.id } })).not.toBeNull();
    const retireEvents = await db().auditEvent.findMany({
      where: { targetId: draft.id, action: "server.retire" },
    });
    expect(retireEvents.map((e) => e.metadata)).toEqual([
      {
        slug: draft.slug,
        before: { status: "PENDING_APPROVAL" },
        after: { status: "RETIRED" },
        pendingVersionsRetired: 1,
      },
    ]);
    // Retiring again changes nothing and writes nothing.
    await owner.caller.servers.retire({ serverId: draft.id });
    expect(await db().auditEvent.count({ where: { targetId: draft.id, action: "server.retire" } })).toBe(1);
  });

  it("lists the command templates for publishers and lets admins change them", async () => {
    const { templates } = await actors.POWER_USER.caller.servers.commandTemplates();
    expect(templates.map((t) => t.id)).toEqual(expect.arrayContaining(["npx"]));
    await expectTrpcError(actors.BASIC_USER.caller.servers.commandTemplates(), "FORBIDDEN");
    const read = await actors.ADMIN.caller.settings.getCommandTemplates();
    expect(read.templates).toEqual(templates);
    await expectTrpcError(actors.POWER_USER_PLUS.caller.settings.getCommandTemplates(), "FORBIDDEN");
    await expectTrpcError(
      actors.POWER_USER_PLUS.caller.settings.setCommandTemplates({ templates }),
      "FORBIDDEN",
    );
    // Written back unchanged: other test files share this setting.
    expect(await actors.ADMIN.caller.settings.setCommandTemplates({ templates })).toEqual({ templates });
    await expectTrpcError(
      actors.ADMIN.caller.settings.setCommandTemplates({
        templates: [{ id: "sh", label: "Shell", command: "/bin/sh", args: ["-c", "{package}"] }],
      }),
      "BAD_REQUEST",
    );
  });
});
