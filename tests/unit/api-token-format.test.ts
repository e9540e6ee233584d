import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  bearerToken,
  formatApiToken,
  hashSecret,
  isKeyId,
  newKeyId,
  newSecret,
  parseApiToken,
  secretMatches,
} from "@/server/services/tokens/api-token-format";
import { isIpAllowed, parseIpRange, parseTokenScopes } from "@/server/services/tokens/authenticate-api-token";

describe("personal API token format", () => {
  it("formats gh_<12-char key id>_<43-char secret> and parses it back", () => {
    const keyId = newKeyId();
    const secret = newSecret();
    expect(keyId).toMatch(/^[a-z2-7]{12}$/);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, "base64url")).toHaveLength(32);
    const token = formatApiToken(keyId, secret);
    expect(token).toBe(`gh_${keyId}_${secret}`);
    expect(parseApiToken(token)).toEqual({ keyId, secret });
  });

  it("parses by position, so a secret containing '_' is fine", () => {
    const secret = `${"_".repeat(10)}${"A".repeat(33)}`;
    expect(parseApiToken(`gh_abcdefgh2345_${secret}`)).toEqual({ keyId: "abcdefgh2345", secret });
  });

  it("draws distinct key ids and secrets", () => {
    const keyIds = new Set(Array.from({ length: 200 }, newKeyId));
    const secrets = new Set(Array.from({ length: 200 }, newSecret));
    expect(keyIds.size).toBe(200);
    expect(secrets.size).toBe(200);
  });

  it.each([
    ["", "empty"],
    ["gh_abcdefgh2345", "no secret"],
    [`gx_abcdefgh2345_${"A".repeat(43)}`, "wrong prefix"],
    [`GH_abcdefgh2345_${"A".repeat(43)}`, "upper-case prefix"],
    [`gh_ABCDEFGH2345_${"A".repeat(43)}`, "upper-case key id"],
    [`gh_abcdefgh0189_${"A".repeat(43)}`, "key id outside base32"],
    [`gh_abcdefgh234_${"A".repeat(44)}`, "short key id"],
    [`gh_abcdefgh2345_${"A".repeat(42)}`, "short secret"],
    [`gh_abcdefgh2345_${"A".repeat(44)}`, "long secret"],
    [`gh_abcdefgh2345_${"A".repeat(42)}=`, "padding"],
    [`gh_abcdefgh2345_${"A".repeat(42)}B`, "non-canonical last character"],
    [` gh_abcdefgh2345_${"A".repeat(43)}`, "leading space"],
    [`gh_abcdefgh2345_${"A".repeat(42)}+`, "base64 instead of base64url"],
  ])("refuses %j (%s)", (value) => {
    expect(parseApiToken(value)).toBeNull();
  });

  it("stores the hex SHA-256 of the secret", () => {
    expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const secret = newSecret();
    expect(hashSecret(secret)).toBe(createHash("sha256").update(secret).digest("hex"));
  });

  it("compares a secret against its stored hash", () => {
    const secret = newSecret();
    const stored = hashSecret(secret);
    expect(secretMatches(secret, stored)).toBe(true);
    expect(secretMatches(newSecret(), stored)).toBe(false);
    expect(secretMatches(`${secret.slice(0, -1)}${secret.endsWith("A") ? "Q" : "A"}`, stored)).toBe(false);
    expect(secretMatches(secret, stored.slice(0, 40))).toBe(false);
    expect(secretMatches(secret, "not hex")).toBe(false);
  });

  it("recognizes key ids", () => {
    expect(isKeyId(newKeyId())).toBe(true);
    expect(isKeyId("abc")).toBe(false);
  });

  it("reads the bearer credential of an Authorization header", () => {
    expect(bearerToken(null)).toBeNull();
    expect(bearerToken("Bearer gh_x")).toBe("gh_x");
    expect(bearerToken("bearer   gh_x ")).toBe("gh_x");
    expect(bearerToken("Basic dXNlcjpwYXNz")).toBeNull();
    expect(bearerToken("Bearer")).toBeNull();
    expect(bearerToken("Bearer a b")).toBeNull();
  });
});

describe("token scopes and IP allow-lists", () => {
  it("keeps valid scope entries and drops anything else (never widening)", () => {
    const connectionId = "0190f5c4-0000-7000-8000-000000000001";
    const serverId = "0190f5c4-0000-7000-8000-000000000002";
    expect(
      parseTokenScopes([
        { connectionId },
        { serverId, tools: ["echo"] },
        {},
        { tools: ["echo"] },
        { serverId: "not-a-uuid" },
        { serverId, admin: true },
        "everything",
      ]),
    ).toEqual([{ connectionId }, { serverId, tools: ["echo"] }]);
    expect(parseTokenScopes({ all: true })).toEqual([]);
    expect(parseTokenScopes(null)).toEqual([]);
  });

  it("parses addresses and CIDR ranges strictly", () => {
    expect(parseIpRange("10.0.0.0/8")?.[1]).toBe(8);
    expect(parseIpRange("203.0.113.7")?.[1]).toBe(32);
    expect(parseIpRange("2001:db8::/32")?.[1]).toBe(32);
    expect(parseIpRange("::ffff:10.0.0.0/104")?.map(String)).toEqual(["10.0.0.0", "8"]);
    for (const bad of [
      "",
      "10.0.0.0/33",
      "0x7f.1",
      "127.1",
      "10.0.0.0/8/8",
      "10.0.0.0/",
      "fe80::1%eth0",
      "host",
      "::ffff:0x0a.0.0.1",
      "::ffff:010.0.0.1",
    ]) {
      expect(parseIpRange(bad), bad).toBeNull();
    }
  });

  it("allows every address with an empty list, and only listed ones otherwise", () => {
    expect(isIpAllowed([], "203.0.113.9")).toBe(true);
    expect(isIpAllowed([], null)).toBe(true);
    const list = ["198.51.100.0/24", "2001:db8::/32", "garbage"];
    expect(isIpAllowed(list, "198.51.100.200")).toBe(true);
    expect(isIpAllowed(list, "::ffff:198.51.100.1")).toBe(true);
    expect(isIpAllowed(list, "2001:db8:1::5")).toBe(true);
    expect(isIpAllowed(list, "198.51.101.1")).toBe(false);
    expect(isIpAllowed(list, "2001:db9::1")).toBe(false);
    expect(isIpAllowed(list, null)).toBe(false);
    expect(isIpAllowed(list, "")).toBe(false);
    expect(isIpAllowed(["garbage"], "198.51.100.1")).toBe(false);
  });
});
