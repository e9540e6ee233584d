import { randomInt, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/server/db";
import { serveMcpWeb } from "@/server/mcp/adapters/web";
import { defaultMcpDeps } from "@/server/mcp/default-handler";
import { createMcpHandler } from "@/server/mcp/handler";
import { bumpUserAccessEpochs } from "@/server/services/access/access-epochs";
import {
  formatApiToken,
  newKeyId,
  newSecret,
  parseApiToken,
} from "@/server/services/tokens/api-token-format";
import { revokeApiToken } from "@/server/services/tokens/revoke-api-token";
import { UNKNOWN_CREDENTIAL_THROTTLE } from "@/server/services/tokens/unknown-credentials";
import { connectedUser, INITIALIZE, postHeaders, ROUTE_CLIENT_IP } from "../fixtures/mcp-gateway";
import { type McpFixture, startMcpFixture } from "../fixtures/mcp-upstream";

/**
 * Refused credentials are audited (DESIGN "How a tool call flows", step 5: a denial is audited too):
 * a token whose key id matched a stored row but was revoked, expired, presented with a wrong secret,
 * of a deactivated user, or used from an address outside its allow-list leaves one `mcp.auth.denied`
 * row with the token, its owner, the reason, the client address and the connection URL's publicId,
 * never the secret. Random tokens with no matching key id leave none, and a refusal loop does not
 * add a row per request.
 */

const handler = createMcpHandler(defaultMcpDeps());

let fixture: McpFixture;
beforeAll(async () => {
  fixture = await startMcpFixture();
});
afterAll(async () => {
  await fixture.stop();
});

type World = Awaited<ReturnType<typeof connectedUser>>;

/** An initialize with `token` on `publicId`, tagged with a user agent unique to the test. */
function initialize(
  publicId: string,
  token: string,
  userAgent: string,
  clientIp: string = ROUTE_CLIENT_IP,
): Promise<Response> {
  return serveMcpWeb(
    new Request(`http://gatehouse.test/mcp/${publicId}`, {
      method: "POST",
      headers: { ...postHeaders(token), "x-gatehouse-client-ip": clientIp, "user-agent": userAgent },
      body: JSON.stringify(INITIALIZE),
    }),
    handler,
  );
}

function refusalsOf(tokenId: string) {
  return db().auditEvent.findMany({ where: { actorTokenId: tokenId, action: "mcp.auth.denied" } });
}

/** The one refusal row of `who`'s token, checked for the fields every refusal row carries. */
async function refusalRow(who: World, reason: string, httpStatus: number, userAgent: string) {
  const rows = await refusalsOf(who.tokenId);
  expect(rows).toHaveLength(1);
  const row = rows[0];
  expect(row).toMatchObject({
    action: "mcp.auth.denied",
    outcome: "DENIED",
    reason,
    actorTokenId: who.tokenId,
    actorUserId: who.user.id,
    clientIp: ROUTE_CLIENT_IP,
    userAgent,
    method: "POST",
    bodies: null,
    metadata: { httpStatus, publicId: who.publicId },
  });
  const secret = parseApiToken(who.token)?.secret as string;
  expect(JSON.stringify(row)).not.toContain(secret);
  return row;
}

describe("MCP: refused credentials are audited", () => {
  it("a revoked token → 401 invalid_token, and one row naming the token, its owner and the reason", async () => {
    const who = await connectedUser({ upstreamUrl: fixture.url });
    await revokeApiToken({ db: db(), actor: who.user, token: { tokenId: who.tokenId }, context: {} });
    const userAgent = `revoked-${randomUUID()}`;
    const refused = await initialize(who.publicId, who.token, userAgent);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
    // The answer is the same as for any invalid token: nothing says which check failed.
    expect(await refused.json()).toMatchObject({
      error: { message: "The access token is invalid, expired or revoked." },
    });
    await refusalRow(who, "revoked", 401, userAgent);
  });

  it("a token used outside its IP allow-list → 403 with a Bearer challenge and a JSON body, audited", async () => {
    const who = await connectedUser({ upstreamUrl: fixture.url });
    await db().apiToken.update({ where: { id: who.tokenId }, data: { ipAllowList: ["198.51.100.0/24"] } });
    const before = fixture.received.length;
    const userAgent = `address-${randomUUID()}`;
    const refused = await initialize(who.publicId, who.token, userAgent);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
    const challenge = refused.headers.get("www-authenticate") ?? "";
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain(`resource_metadata="`);
    expect(challenge).toContain(who.publicId);
    expect(await refused.json()).toMatchObject({
      jsonrpc: "2.0",
      error: {
        code: -32003,
        message: "This API token may not be used from your network address.",
        data: { reason: "address_not_allowed" },
      },
    });
    expect(fixture.received.length).toBe(before);
    await refusalRow(who, "address_not_allowed", 403, userAgent);
  });

  it("an expired token, a wrong secret and a deactivated owner are audited with their reasons", async () => {
    const expired = await connectedUser({ upstreamUrl: fixture.url });
    await db().apiToken.update({
      where: { id: expired.tokenId },
      data: { expiresAt: new Date(Date.now() - 1_000) },
    });
    const userAgent = `mixed-${randomUUID()}`;
    expect((await initialize(expired.publicId, expired.token, userAgent)).status).toBe(401);
    await refusalRow(expired, "expired", 401, userAgent);

    const guessed = await connectedUser({ upstreamUrl: fixture.url });
    const keyId = parseApiToken(guessed.token)?.keyId as string;
    const wrongSecret = newSecret();
    expect((await initialize(guessed.publicId, formatApiToken(keyId, wrongSecret), userAgent)).status).toBe(
      401,
    );
    const row = await refusalRow(guessed, "wrong_secret", 401, userAgent);
    expect(JSON.stringify(row)).not.toContain(wrongSecret);

    const deactivated = await connectedUser({ upstreamUrl: fixture.url });
    // deactivateUser revokes the user's tokens too (refused as revoked); the owner's status is
    // checked on its own, as here, for a token the deactivation did not reach.
    await db().user.update({ where: { id: deactivated.user.id }, data: { status: "DEACTIVATED" } });
    expect((await initialize(deactivated.publicId, deactivated.token, userAgent)).status).toBe(401);
    await refusalRow(deactivated, "user_deactivated", 401, userAgent);
  });

  it("random well-formed tokens whose key id matches no row leave no audit row", async () => {
    const who = await connectedUser({ upstreamUrl: fixture.url });
    const userAgent = `random-${randomUUID()}`;
    for (let i = 0; i < 5; i++) {
      const response = await initialize(who.publicId, formatApiToken(newKeyId(), newSecret()), userAgent);
      expect(response.status).toBe(401);
    }
    expect(await db().auditEvent.count({ where: { userAgent } })).toBe(0);
  });

  it("an address sending many unknown tokens is refused without lookups for a while; others are not", async () => {
    const who = await connectedUser({ upstreamUrl: fixture.url });
    const userAgent = `spray-${randomUUID()}`;
    // An address of this test's own (198.18.0.0/15, for benchmarks), so no other test shares its count.
    const sprayer = `198.18.${randomInt(256)}.${randomInt(1, 255)}`;
    // Tokens with no such key id, and every other one a real key id with a guessed secret.
    const realKeyId = parseApiToken(who.token)?.keyId as string;
    let guesses = 0;
    const unknown = () => formatApiToken(guesses++ % 2 === 0 ? newKeyId() : realKeyId, newSecret());
    const { limit } = UNKNOWN_CREDENTIAL_THROTTLE;
    for (let sent = 0; sent < limit; sent += 25) {
      const statuses = await Promise.all(
        Array.from({ length: Math.min(25, limit - sent) }, () =>
          initialize(who.publicId, unknown(), userAgent, sprayer).then((response) => response.status),
        ),
      );
      expect(new Set(statuses)).toEqual(new Set([401]));
    }
    // One more unknown token passes the limit; from then on the address is refused before any lookup.
    expect((await initialize(who.publicId, unknown(), userAgent, sprayer)).status).toBe(401);
    const refused = await initialize(who.publicId, unknown(), userAgent, sprayer);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(60);
    expect(await refused.json()).toMatchObject({
      error: { data: { reason: "too_many_unknown_credentials" } },
    });
    // A token this instance has not seen accepted is refused from there too; from another address
    // it works, and once seen accepted it works from the refused address as well (a neighbour
    // behind the same NAT keeps working, even after its cache entry is gone).
    expect((await initialize(who.publicId, who.token, userAgent, sprayer)).status).toBe(429);
    expect((await initialize(who.publicId, who.token, userAgent)).status).toBe(200);
    await bumpUserAccessEpochs(who.user.id);
    expect((await initialize(who.publicId, who.token, userAgent, sprayer)).status).toBe(200);
  });

  it("a refusal loop adds one row, not one per request", async () => {
    const who = await connectedUser({ upstreamUrl: fixture.url });
    await revokeApiToken({ db: db(), actor: who.user, token: { tokenId: who.tokenId }, context: {} });
    const userAgent = `loop-${randomUUID()}`;
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => initialize(who.publicId, who.token, userAgent).then((r) => r.status)),
    );
    for (let i = 0; i < 20; i++) statuses.push((await initialize(who.publicId, who.token, userAgent)).status);
    expect(new Set(statuses)).toEqual(new Set([401]));
    await refusalRow(who, "revoked", 401, userAgent);
  });
});
