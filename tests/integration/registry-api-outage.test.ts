import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../fixtures/everything-server";

/**
 * The Registry API fails closed when PostgreSQL is unreachable: a request that presents a token or
 * a session cookie gets a 503 (retry later), never a listing and never a misleading 401. The app is
 * pointed at a closed port before anything reads the configuration (own module graph per file).
 */
const closedPg = await freePort();
process.env.DATABASE_URL = `postgresql://gatehouse:hunter2-secret@127.0.0.1:${closedPg}/gatehouse`;

const { GET: listGet } = await import("@/app/v0.1/servers/route");
const { disconnectDb } = await import("@/server/db");
const { formatApiToken, newKeyId, newSecret } = await import("@/server/services/tokens/api-token-format");

afterAll(async () => {
  await disconnectDb();
});

describe("Registry API while the database is down", () => {
  it("answers a token-authenticated request with 503 and a JSON error without internals", async () => {
    const token = formatApiToken(newKeyId(), newSecret());
    const response = await listGet(
      new Request("http://localhost:3000/v0.1/servers", { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: "The database is unreachable right now. Try again shortly." });
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("ECONNREFUSED");
  });

  it("answers a session-authenticated request with 503 too", async () => {
    const { encode } = await import("next-auth/jwt");
    const jwt = await encode({
      token: { sid: "0190f5c4-0000-7000-8000-000000000000" },
      secret: process.env.AUTH_SECRET ?? "",
      salt: "authjs.session-token",
    });
    const response = await listGet(
      new Request("http://localhost:3000/v0.1/servers", {
        headers: { cookie: `authjs.session-token=${jwt}` },
      }),
    );
    expect(response.status).toBe(503);
  });

  it("still refuses a request without credentials with 401, without waiting for the database", async () => {
    const response = await listGet(new Request("http://localhost:3000/v0.1/servers"));
    expect(response.status).toBe(401);
  });
});
