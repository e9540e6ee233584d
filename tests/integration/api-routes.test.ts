import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as health } from "@/app/api/health/route";
import { GET as metricsRoute } from "@/app/api/metrics/route";
import { GET as ready } from "@/app/api/ready/route";
import { GET as trpcGet, POST as trpcPost } from "@/app/api/trpc/[trpc]/route";
import { db, disconnectDb } from "@/server/db";
import { closeQueues } from "@/server/queue/queues";
import { disconnectRedis } from "@/server/redis";
import { signedInUser } from "./helpers/sessions";

const BASE = "http://localhost:3000";

afterAll(async () => {
  await closeQueues();
  await disconnectRedis();
  await disconnectDb();
});

describe("operations endpoints", () => {
  it("/api/health answers without touching dependencies", async () => {
    const response = health();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("/api/ready reports PostgreSQL and Redis with latencies", async () => {
    const response = await ready();
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ status: "ready", checks: { database: { ok: true }, redis: { ok: true } } });
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("/api/metrics refuses clients that are not local, and serves Prometheus text to local ones", async () => {
    const remote = await metricsRoute(
      new Request(`${BASE}/api/metrics`, { headers: { "x-gatehouse-client-ip": "203.0.113.5" } }),
    );
    expect(remote.status).toBe(403);
    expect(await remote.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
    // Loopback, but relayed for someone else by a same-host proxy that is not trusted (the front marks it).
    const relayed = await metricsRoute(
      new Request(`${BASE}/api/metrics`, {
        headers: { "x-gatehouse-client-ip": "127.0.0.1", "x-gatehouse-relayed": "1" },
      }),
    );
    expect(relayed.status).toBe(403);

    const local = await metricsRoute(
      new Request(`${BASE}/api/metrics`, { headers: { "x-gatehouse-client-ip": "127.0.0.1" } }),
    );
    expect(local.status).toBe(200);
    expect(local.headers.get("content-type")).toContain("text/plain");
    const text = await local.text();
    expect(text).toContain("gatehouse_http_requests_total");
    expect(text).toMatch(/gatehouse_queue_jobs\{queue="upstream-health",state="waiting"\} \d+/);
    expect(text).toContain("gatehouse_process_cpu_seconds_total");
  });
});

describe("tRPC over HTTP", () => {
  let admin: Awaited<ReturnType<typeof signedInUser>>;
  let basic: Awaited<ReturnType<typeof signedInUser>>;
  beforeAll(async () => {
    admin = await signedInUser(db(), "ADMIN");
    basic = await signedInUser(db(), "BASIC_USER");
  });

  it("serves a query with superjson-encoded data to a signed-in admin", async () => {
    const response = await trpcGet(
      new Request(`${BASE}/api/trpc/system.getStatus`, { headers: { cookie: admin.cookie } }),
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.result.data.json).toMatchObject({ database: { ok: true }, redis: { ok: true } });
  });

  it("answers 401 without a session and 403 without the permission, auditing the refusal", async () => {
    const anonymous = await trpcGet(new Request(`${BASE}/api/trpc/system.getStatus`));
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.json.message).toBe("Sign in to continue.");

    const forbidden = await trpcGet(
      new Request(`${BASE}/api/trpc/system.getStatus`, {
        headers: { cookie: basic.cookie, "x-gatehouse-client-ip": "198.51.100.4" },
      }),
    );
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error.json.message).toBe(
      "You do not have permission to see system status and the security posture.",
    );
    const denial = await db().auditEvent.findFirstOrThrow({
      where: { action: "auth.denied", actorUserId: basic.user.id },
    });
    expect(denial).toMatchObject({ outcome: "DENIED", clientIp: "198.51.100.4" });
    expect(denial.metadata).toMatchObject({ procedure: "system.getStatus", role: "BASIC_USER" });
  });

  it("refuses a forged or tampered session cookie", async () => {
    const tampered = `${admin.cookie.slice(0, -4)}AAAA`;
    const response = await trpcGet(
      new Request(`${BASE}/api/trpc/system.getStatus`, { headers: { cookie: tampered } }),
    );
    expect(response.status).toBe(401);
  });

  it("answers an unknown procedure with a JSON 404 and no stack trace", async () => {
    const response = await trpcGet(new Request(`${BASE}/api/trpc/system.doesNotExist`));
    expect(response.status).toBe(404);
    const text = await response.text();
    expect(JSON.parse(text).error.json.data.code).toBe("NOT_FOUND");
    expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(text).not.toContain("stack");
  });

  it("says what is wrong with an input in words, not as zod's JSON", async () => {
    const response = await trpcPost(
      new Request(`${BASE}/api/trpc/servers.previewImport`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: admin.cookie },
        body: JSON.stringify({ json: { document: "x".repeat(300_001) } }),
      }),
    );
    expect(response.status).toBe(400);
    const error = (await response.json()).error.json;
    expect(error.message).toMatch(/^document: Too big: expected string to have <=300000 characters/);
    expect(error.message).not.toContain("{");
    expect(error.data.fieldErrors).toEqual({
      document: ["Too big: expected string to have <=300000 characters"],
    });
  });

  it("refuses a mutation sent as GET (no state change on GET)", async () => {
    const response = await trpcGet(
      new Request(`${BASE}/api/trpc/system.checkUpstreams`, { headers: { cookie: admin.cookie } }),
    );
    expect(response.status).toBe(405);
  });

  it("runs a mutation through POST", async () => {
    const response = await trpcPost(
      new Request(`${BASE}/api/trpc/system.checkUpstreams`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: admin.cookie },
        body: JSON.stringify({ json: null }),
      }),
    );
    expect(response.status).toBe(200);
    expect((await response.json()).result.data.json).toEqual({ queued: true });
  });
});
