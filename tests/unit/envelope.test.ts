import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { envelopeKeyId, keyIdOf, keyringFromBase64, open, seal } from "@/server/crypto/envelope";

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
