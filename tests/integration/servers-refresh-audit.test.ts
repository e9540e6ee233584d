import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { closeQueues } from "@/server/queue/queues";
import { type Caller, callerFor, expectTrpcError, TEST_CLIENT_IP, TEST_USER_AGENT } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/**
 * "Refresh tools" may start a version's process (discovery), so the request is on record: who asked,
 * for which server and version, from where.
 */

let owner: Awaited<ReturnType<typeof signedInUser>>;
let asOwner: Caller;
let asStranger: Caller;

beforeAll(async () => {
  const [o, stranger] = await Promise.all([
    signedInUser(db(), "POWER_USER_PLUS"),
    signedInUser(db(), "POWER_USER_PLUS"),
  ]);
  owner = o;
  [asOwner, asStranger] = await Promise.all([callerFor(o.sessionId), callerFor(stranger.sessionId)]);
});

afterAll(async () => {
  await closeQueues();
  await disconnectDb();
});

describe("refreshing discovery", () => {
  it("records who asked, for which server and version, in the server's audit trail", async () => {
    const server = await createServer(db(), { ownerId: owner.user.id, status: "DRAFT" });

    expect(await asOwner.servers.refreshDiscovery({ serverId: server.id })).toEqual({
      versionId: server.versionId,
    });

    const events = await db().auditEvent.findMany({
      where: { serverId: server.id, action: "server.discovery.request" },
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      outcome: "OK",
      actorUserId: owner.user.id,
      targetType: "server",
      targetId: server.id,
      serverId: server.id,
      clientIp: TEST_CLIENT_IP,
      userAgent: TEST_USER_AGENT,
      metadata: { versionId: server.versionId, version: "1.0.0" },
    });
  });

  it("records nothing when the refresh is refused", async () => {
    const server = await createServer(db(), { ownerId: owner.user.id, status: "DRAFT" });
    await expectTrpcError(asStranger.servers.refreshDiscovery({ serverId: server.id }), "NOT_FOUND");
    await expectTrpcError(
      asOwner.servers.refreshDiscovery({ serverId: server.id, versionId: crypto.randomUUID() }),
      "NOT_FOUND",
    );
    expect(
      await db().auditEvent.count({ where: { serverId: server.id, action: "server.discovery.request" } }),
    ).toBe(0);
  });
});
