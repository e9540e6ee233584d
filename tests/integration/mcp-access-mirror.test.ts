import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { AccessMirror } from "@/server/mcp/access-mirror";
import { redis, redisKey } from "@/server/redis";
import {
  ACCESS_MIRROR_LEASE_MS,
  accessMirrorKeys,
  announceAccessChange,
} from "@/server/services/access/access-epochs";
import { waitUntil } from "./helpers/polling";

/**
 * The instances' mirror of access epochs and sessions (server/mcp/access-mirror.ts) and the fenced
 * announcement of changes (access-epochs.ts announceAccessChange), against the real Redis: a change
 * is announced only once no mirror can serve from before it, whatever the mirror is going through.
 * The proxy-level proof (the very next request refused on every instance, served from mirrors up
 * to then) is in mcp-cache-revocation.test.ts.
 */

// Keys of their own, so the stalled holders made here never hold up other files' announcements.
const key = (...parts: string[]) => redisKey("mirror-test", ...parts);
const keys = accessMirrorKeys(key);
const announce = (change: Parameters<typeof announceAccessChange>[0]) =>
  announceAccessChange(change, { key });
const mirrors: AccessMirror[] = [];
const SESSION = { hash: "session-hash", refreshedAt: 0 };
const STATE = { userId: "u" } as never;

function newMirror(client: () => Redis = redis): AccessMirror {
  const mirror = new AccessMirror({ redis: client, key, sessionRefreshMs: 60_000 });
  mirrors.push(mirror);
  mirror.start();
  return mirror;
}

async function trusted(): Promise<AccessMirror> {
  const mirror = newMirror();
  await waitUntil(() => mirror.isTrusted(), 5_000);
  return mirror;
}

/** Stores epochs of `userId` and a session as a request that read them would. */
function fill(mirror: AccessMirror, userId: string): void {
  mirror.remember(mirror.generation, {
    userId,
    epochs: { global: "g1", user: "u1" },
    session: { ...SESSION, state: STATE, refreshedAt: Date.now() },
  });
}

/** A leaseholder that never acknowledges (a stalled instance), until its lease runs out. */
async function silentHolder(id: string, leaseMs: number): Promise<void> {
  await redis().multi().set(keys.holder(id), "period-1", "PX", leaseMs).sadd(keys.holders, id).exec();
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

afterEach(async () => {
  await Promise.all(mirrors.splice(0).map((mirror) => mirror.stop()));
});

describe("access mirror", () => {
  it("is trusted only after proving its subscription, and serves what requests read from Redis", async () => {
    const mirror = newMirror();
    expect(mirror.isTrusted()).toBe(false);
    fill(mirror, "user-1");
    expect(mirror.epochs("user-1")).toBeNull();
    await waitUntil(() => mirror.isTrusted(), 5_000);
    expect(await redis().get(keys.holder(mirror.holderId))).not.toBeNull();
    fill(mirror, "user-1");
    expect(mirror.epochs("user-1")).toEqual({ global: "g1", user: "u1" });
    expect(mirror.session(SESSION.hash, Date.now())).toBe(STATE);
    // A session is read from Redis again (and its expiry refreshed) once it is due.
    expect(mirror.session(SESSION.hash, Date.now() + 60_000)).toBeUndefined();
  });

  it("an announcement returns only after every mirror dropped what changed (one user, one session, everything)", async () => {
    const [one, two] = [await trusted(), await trusted()];
    for (const mirror of [one, two]) {
      fill(mirror, "user-1");
      fill(mirror, "user-2");
    }
    await announce({ userIds: ["user-1"] });
    for (const mirror of [one, two]) {
      expect(mirror.epochs("user-1")).toBeNull();
      expect(mirror.epochs("user-2")).not.toBeNull();
    }
    await announce({ sessionHashes: [SESSION.hash] });
    for (const mirror of [one, two]) expect(mirror.session(SESSION.hash, Date.now())).toBeUndefined();
    await announce({ global: true });
    for (const mirror of [one, two]) expect(mirror.epochs("user-2")).toBeNull();
  });

  it("a read that crossed a change is used once, not kept", async () => {
    const mirror = await trusted();
    const generation = mirror.generation;
    await announce({ userIds: ["someone-else"] });
    mirror.remember(generation, { userId: "user-1", epochs: { global: "g1", user: "u1" } });
    expect(mirror.epochs("user-1")).toBeNull();
  });

  it("waits for a leaseholder that does not acknowledge until its lease runs out, and no longer", async () => {
    await trusted();
    await silentHolder("stalled-instance", 700);
    const elapsed = await timed(() => announce({ userIds: ["user-1"] }));
    expect(elapsed).toBeGreaterThanOrEqual(600);
    expect(elapsed).toBeLessThan(ACCESS_MIRROR_LEASE_MS + 1_000);
    // Its expired lease is forgotten.
    expect(await redis().sismember(keys.holders, "stalled-instance")).toBe(0);
  });

  it("stops waiting for a leaseholder that began a new trust period (it starts from an empty copy)", async () => {
    await silentHolder("restarted-instance", 5_000);
    setTimeout(() => void redis().set(keys.holder("restarted-instance"), "period-2", "PX", 5_000), 300);
    const elapsed = await timed(() => announce({ userIds: ["user-1"] }));
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
    await redis()
      .multi()
      .del(keys.holder("restarted-instance"))
      .srem(keys.holders, "restarted-instance")
      .exec();
  });

  it("losing its subscription ends trust at once; trust comes back with an empty copy", async () => {
    const mirror = await trusted();
    fill(mirror, "user-1");
    const clients = (await redis().client("LIST")) as string;
    const line = clients
      .split("\n")
      .find((entry) => entry.includes(`name=gatehouse:access-mirror:${mirror.holderId}`));
    const id = line?.match(/\bid=(\d+)/)?.[1];
    expect(id).toBeDefined();
    await redis().client("KILL", "ID", id as string);
    await waitUntil(() => !mirror.isTrusted(), 2_000);
    expect(mirror.epochs("user-1")).toBeNull();
    // A change announced meanwhile is not lost on it: whatever it had is gone, and the
    // announcement does not hang on the mirror that could not hear it.
    const elapsed = await timed(() => announce({ userIds: ["user-1"] }));
    expect(elapsed).toBeLessThan(ACCESS_MIRROR_LEASE_MS + 1_000);
    await waitUntil(() => mirror.isTrusted(), 5_000);
    expect(mirror.epochs("user-1")).toBeNull();
    expect(mirror.session(SESSION.hash, Date.now())).toBeUndefined();
  });

  it("is not trusted while its command connection is not ready", async () => {
    let isDown = false;
    const dead = new Redis({ host: "127.0.0.1", port: 1, lazyConnect: true, enableOfflineQueue: false });
    const mirror = newMirror(() => (isDown ? dead : redis()));
    await waitUntil(() => mirror.isTrusted(), 5_000);
    fill(mirror, "user-1");
    isDown = true;
    expect(mirror.isTrusted()).toBe(false);
    expect(mirror.epochs("user-1")).toBeNull();
    isDown = false;
    dead.disconnect();
  });

  it("a stopped mirror gives its lease back, so announcements do not wait for it", async () => {
    const mirror = await trusted();
    await mirror.stop();
    expect(await redis().get(keys.holder(mirror.holderId))).toBeNull();
    expect(await redis().sismember(keys.holders, mirror.holderId)).toBe(0);
  });
});
