import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "@/server/db";
import { migrate } from "@/server/db/migrate";
import {
  addAllowedHosts,
  getOutboundPolicy,
  normalizeHostEntry,
  policyForStdioVersion,
  policyForVersion,
  setAllowedHosts,
} from "@/server/services/settings/outbound-policy";
import { createDatabase, dropDatabase } from "./helpers/test-database";

// The allow-list is installation-wide, so this file works in a database of its own.
const database = await createDatabase("gatehouse_hosts");
await migrate(database.url);
const db = createDb(database.url, { max: 2 });

afterAll(async () => {
  await db.$disconnect();
  await dropDatabase(database.name);
});

describe("allowed internal hosts", () => {
  it("accepts hosts and host:port entries, normalised and de-duplicated, and audits the change", async () => {
    const context = { clientIp: "203.0.113.1", userAgent: "vitest" };
    const hosts = await setAllowedHosts({
      db,
      hosts: [" MCP.internal ", "127.0.0.1:3901", "[::1]:8080", "mcp.internal"],
      context,
    });
    expect(hosts).toEqual({ hosts: ["127.0.0.1:3901", "[::1]:8080", "mcp.internal"], forEveryone: [] });
    expect((await getOutboundPolicy(db)).allowedHosts).toEqual(hosts.hosts);
    const event = await db.auditEvent.findFirstOrThrow({
      where: { action: "settings.allowed_hosts.change" },
    });
    expect(event).toMatchObject({ clientIp: "203.0.113.1", metadata: { before: [], after: hosts.hosts } });
  });

  it("opens chosen hosts to every publisher's servers, only while they are allowed at all", async () => {
    const context = {};
    const opened = await setAllowedHosts({
      db,
      hosts: ["127.0.0.1:3901", "mcp.internal"],
      forEveryone: ["127.0.0.1:3901", "not-allowed.example"],
      context,
    });
    expect(opened.forEveryone).toEqual(["127.0.0.1:3901"]);
    // What a version no admin vouched for may reach, and what it is told about the others.
    const policy = await getOutboundPolicy(db);
    expect(policyForVersion(policy, { reviewedAt: null, status: "APPROVED" })).toEqual({
      allowedHosts: ["127.0.0.1:3901"],
      withheldHosts: ["mcp.internal"],
      withheldRemedy:
        "an admin allowed this host for the servers they approve, and no admin approved this one",
    });
    expect(policyForVersion(policy, { reviewedAt: new Date(), status: "APPROVED" })).toBe(policy);
    // A remote URL waiting for review may be dialled for the reviewer's discovery; a stdio package's
    // own code may not use the admin's hosts before a review (the sandbox's egress proxy).
    expect(policyForVersion(policy, { reviewedAt: null, status: "PENDING_APPROVAL" })).toBe(policy);
    expect(policyForStdioVersion(policy, { reviewedAt: null })).toEqual({
      allowedHosts: ["127.0.0.1:3901"],
      withheldHosts: ["mcp.internal"],
      withheldRemedy:
        "an admin allowed this host for the servers they approve, and no admin has approved this one yet",
    });
    expect(policyForStdioVersion(policy, { reviewedAt: new Date() })).toBe(policy);
    // Left out, the choice stays; a host no longer allowed loses it.
    expect(
      (await setAllowedHosts({ db, hosts: ["127.0.0.1:3901", "new.internal"], context })).forEveryone,
    ).toEqual(["127.0.0.1:3901"]);
    expect((await setAllowedHosts({ db, hosts: ["new.internal"], context })).forEveryone).toEqual([]);
    const event = await db.auditEvent.findFirstOrThrow({
      where: { action: "settings.allowed_hosts.change" },
      orderBy: { occurredAt: "desc" },
    });
    expect(event.metadata).toMatchObject({ forEveryoneBefore: ["127.0.0.1:3901"], forEveryoneAfter: [] });
  });

  it("refuses entries that are not a host or host:port, changing nothing", async () => {
    const before = (await getOutboundPolicy(db)).allowedHosts;
    await expect(
      setAllowedHosts({ db, hosts: ["http://evil.example", "a b", "host:99999", "ok.example"], context: {} }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      details: { invalid: ["http://evil.example", "a b", "host:99999"] },
    });
    expect((await getOutboundPolicy(db)).allowedHosts).toEqual(before);
  });

  it("normalises single entries", () => {
    expect(normalizeHostEntry("Example.COM:443")).toBe("example.com:443");
    expect(normalizeHostEntry("user@host")).toBeNull();
    expect(normalizeHostEntry("-bad.example")).toBeNull();
  });

  it("keeps every host of additions made at once (none writes back a list without the others')", async () => {
    const hosts = Array.from({ length: 8 }, (_, i) => `parallel-${i}.internal`);
    await Promise.all(hosts.map((host, i) => addAllowedHosts(db, [host], { forEveryone: i % 2 === 0 })));
    const policy = await getOutboundPolicy(db);
    expect(policy.allowedHosts).toEqual(expect.arrayContaining(hosts));
    expect(policy.everyoneHosts).toEqual(expect.arrayContaining(hosts.filter((_, i) => i % 2 === 0)));
  });
});
