import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../fixtures/everything-server";

/**
 * PostgreSQL and Redis going away after start-up: readiness says which one, requests that need
 * them get a JSON error without internals, and nothing hangs. This file points the app at closed
 * ports before anything reads the configuration (each test file has its own module graph).
 */
const closedPg = await freePort();
const closedRedis = await freePort();
process.env.DATABASE_URL = `postgresql://gatehouse:hunter2-secret@127.0.0.1:${closedPg}/gatehouse`;
process.env.REDIS_URL = `redis://127.0.0.1:${closedRedis}`;

const { GET: ready } = await import("@/app/api/ready/route");
const { GET: trpcGet } = await import("@/app/api/trpc/[trpc]/route");
const { disconnectDb } = await import("@/server/db");
const { disconnectRedis } = await import("@/server/redis");
const { closeQueues } = await import("@/server/queue/queues");

afterAll(async () => {
  await closeQueues();
  await disconnectRedis();
  await disconnectDb();
});

describe("when PostgreSQL and Redis are unreachable", () => {
  it("/api/ready answers 503 naming both, within the check timeout", async () => {
    const started = Date.now();
    const response = await ready();
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.status).toBe("unavailable");
    expect(body.checks.database.ok).toBe(false);
    expect(body.checks.redis.ok).toBe(false);
    expect(JSON.stringify(body)).not.toContain("hunter2");
    // Anyone may ask: the answer names no host or port of the dependencies.
    expect(body.checks.database.error).toMatch(/^(unreachable|no answer within \d+ ms)$/);
    expect(body.checks.redis.error).toMatch(/^(unreachable|no answer within \d+ ms)$/);
    expect(JSON.stringify(body)).not.toContain("127.0.0.1");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a signed-in request gets a 503 naming the database, without internals", async () => {
    // A well-formed session cookie: resolving it needs the database, which is down.
    const { encode } = await import("next-auth/jwt");
    const jwt = await encode({
      token: { sid: "0190f5c4-0000-7000-8000-000000000000" },
      secret: process.env.AUTH_SECRET ?? "",
      salt: "authjs.session-token",
    });
    const response = await trpcGet(
      new Request("http://localhost:3000/api/trpc/system.getOverview", {
        headers: { cookie: `authjs.session-token=${jwt}` },
      }),
    );
    expect(response.status).toBe(503);
    const text = await response.text();
    const body = JSON.parse(text);
    expect(body.error.json.message).toBe("The database is unreachable right now. Try again shortly.");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("ECONNREFUSED");
    expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it("a request without a session is refused with 401 without waiting for the database", async () => {
    const response = await trpcGet(new Request("http://localhost:3000/api/trpc/system.getStatus"));
    expect(response.status).toBe(401);
  });

  it("producers fail fast with UNAVAILABLE while Redis is down, queueing nothing", async () => {
    const { enqueueAllServerChecks } = await import("@/server/queue/queues");
    const started = Date.now();
    await expect(enqueueAllServerChecks()).rejects.toMatchObject({
      code: "UNAVAILABLE",
      message: "Redis is unreachable right now. Try again shortly.",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
