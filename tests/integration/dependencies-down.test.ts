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
const { GET: trpcGet, POST: trpcPost } = await import("@/app/api/trpc/[trpc]/route");
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
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a query that needs the database gets a 503 saying so, without internals", async () => {
    const response = await trpcGet(new Request("http://localhost:3000/api/trpc/system.getOverview"));
    expect(response.status).toBe(503);
    const text = await response.text();
    const body = JSON.parse(text);
    expect(body.error.json.message).toBe("The database is unreachable right now. Try again shortly.");
    expect(body.error.json.data.appCode).toBe("UNAVAILABLE");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("ECONNREFUSED");
    expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it("the status page query still answers, reporting what is down", async () => {
    const response = await trpcGet(new Request("http://localhost:3000/api/trpc/system.getStatus"));
    expect(response.status).toBe(200);
    const status = (await response.json()).result.data.json;
    expect(status.database.ok).toBe(false);
    expect(status.redis.ok).toBe(false);
    expect(status.worker.ok).toBe(false);
  });

  it("a mutation that needs Redis gets a 503 naming Redis, and queues nothing", async () => {
    const response = await trpcPost(
      new Request("http://localhost:3000/api/trpc/system.checkUpstreams", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ json: null }),
      }),
    );
    expect(response.status).toBe(503);
    expect((await response.json()).error.json.message).toBe(
      "Redis is unreachable right now. Try again shortly.",
    );
  });
});
