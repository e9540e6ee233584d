import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { envelopeKeyId, keyIdOf, keyringFromBase64, open, seal } from "@/server/crypto/envelope";
import { buildAuditRow, openAuditBodies, uuidv7 } from "@/server/mcp/audit";

const keyA = randomBytes(32).toString("base64");
const keyB = randomBytes(32).toString("base64");

describe("AES-256-GCM envelopes", () => {
  it("round-trips and never contains the plaintext", () => {
    const keyring = keyringFromBase64(keyA);
    const sealed = seal(keyring, "ghp_upstream-token-value", "connection:1:secrets");
    expect(sealed.includes(Buffer.from("ghp_upstream-token-value"))).toBe(false);
    expect(open(keyring, sealed, "connection:1:secrets").toString()).toBe("ghp_upstream-token-value");
  });

  it("uses a fresh IV each time", () => {
    const keyring = keyringFromBase64(keyA);
    expect(seal(keyring, "same", "ctx").equals(seal(keyring, "same", "ctx"))).toBe(false);
  });

  it("refuses a ciphertext moved to another context (another row or user)", () => {
    const keyring = keyringFromBase64(keyA);
    const sealed = seal(keyring, "secret", "connection:alice");
    expect(() => open(keyring, sealed, "connection:bob")).toThrow(/integrity/);
  });

  it("detects tampering", () => {
    const keyring = keyringFromBase64(keyA);
    const sealed = seal(keyring, "secret value", "ctx");
    const last = sealed.length - 1;
    sealed[last] = (sealed[last] ?? 0) ^ 1;
    expect(() => open(keyring, sealed, "ctx")).toThrow(/integrity/);
  });

  it("opens data sealed with a previous key after rotation, and seals new data with the current key", () => {
    const old = seal(keyringFromBase64(keyA), "before rotation", "ctx");
    const rotated = keyringFromBase64(keyB, [keyA]);
    expect(open(rotated, old, "ctx").toString()).toBe("before rotation");
    const fresh = seal(rotated, "after", "ctx");
    expect(envelopeKeyId(fresh)).toBe(keyIdOf(Buffer.from(keyB, "base64")));
    expect(envelopeKeyId(old)).toBe(keyIdOf(Buffer.from(keyA, "base64")));
  });

  it("names the unknown key when it was dropped from the ring", () => {
    const old = seal(keyringFromBase64(keyA), "x", "ctx");
    expect(() => open(keyringFromBase64(keyB), old, "ctx")).toThrow(keyIdOf(Buffer.from(keyA, "base64")));
  });

  it("rejects garbage", () => {
    expect(() => open(keyringFromBase64(keyA), Buffer.from("not an envelope"), "ctx")).toThrow(
      /not a valid envelope/,
    );
  });
});

describe("audit bodies (one envelope per row)", () => {
  const keyring = keyringFromBase64(keyA);
  const scope = {
    userId: null,
    tokenId: null,
    serverId: null,
    connectionId: null,
    sessionId: null,
    client: null,
    clientIp: null,
    userAgent: null,
    requestId: "r-1",
  };
  const record = (requestBody: string | null, responseBody: string | null) =>
    buildAuditRow(
      scope,
      { action: "mcp.request", outcome: "OK", startedAt: Date.now(), requestBody, responseBody },
      keyring,
    );

  it("seals both bodies together and opens them, whichever are present, multi-byte text included", () => {
    for (const [request, response] of [
      ['{"q":"é ✓ 🙂"}', '{"a":"ü"}'],
      ['{"only":"request"}', null],
      [null, '{"only":"response"}'],
      ["", ""],
    ] as const) {
      const row = record(request, response);
      expect(Buffer.from(row.bodies ?? []).includes("only")).toBe(false);
      expect(row.keyId).toBe(keyIdOf(keyring.current));
      expect(row.requestBytes).toBe(request === null ? null : Buffer.byteLength(request));
      expect(openAuditBodies(keyring, { id: row.id, bodies: row.bodies })).toEqual({ request, response });
    }
    expect(record(null, null)).toMatchObject({ bodies: null, keyId: null });
  });

  it("keeps each body up to the cap, records the full sizes, and says it was cut", () => {
    const request = `{"q":"${"é".repeat(40)}"}`;
    const response = '{"a":1}';
    const row = buildAuditRow(
      scope,
      {
        action: "mcp.request",
        outcome: "DENIED",
        startedAt: Date.now(),
        requestBody: request,
        responseBody: response,
        metadata: { reason: "x" },
      },
      keyring,
      32,
    );
    expect(row.requestBytes).toBe(Buffer.byteLength(request));
    expect(row.responseBytes).toBe(Buffer.byteLength(response));
    expect(row.metadata).toEqual({ reason: "x", bodiesTruncatedToBytes: 32 });
    const opened = openAuditBodies(keyring, { id: row.id, bodies: row.bodies });
    expect(opened.response).toBe(response);
    expect(Buffer.byteLength(opened.request ?? "")).toBeLessThanOrEqual(32 + 2);
    expect(request.startsWith((opened.request ?? "").replace(/\uFFFD$/, ""))).toBe(true);
    // Within the cap nothing changes, and the metadata is left as it was.
    const small = buildAuditRow(
      scope,
      {
        action: "mcp.request",
        outcome: "OK",
        startedAt: Date.now(),
        requestBody: response,
        metadata: { reason: "x" },
      },
      keyring,
      32,
    );
    expect(small.metadata).toEqual({ reason: "x" });
    expect(openAuditBodies(keyring, { id: small.id, bodies: small.bodies }).request).toBe(response);
  });

  it("does not open under another row's id", () => {
    const row = record("{}", "{}");
    expect(() => openAuditBodies(keyring, { id: uuidv7(), bodies: row.bodies })).toThrow();
  });

  it("still opens rows written with one envelope per body column", () => {
    const id = uuidv7();
    const legacy = {
      id,
      bodies: null,
      requestBody: seal(keyring, '{"asked":1}', `audit-event:${id}:request-body`),
      responseBody: seal(keyring, '{"answered":2}', `audit-event:${id}:response-body`),
    };
    expect(openAuditBodies(keyring, legacy)).toEqual({ request: '{"asked":1}', response: '{"answered":2}' });
    expect(() => openAuditBodies(keyring, { ...legacy, responseBody: legacy.requestBody })).toThrow();
  });
});
