import { randomBytes, randomInt } from "node:crypto";

/** URL-safe random string with `bytes` bytes of entropy (default 32 = 256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** A 32-byte key, base64-encoded, as GATEHOUSE_ENCRYPTION_KEY expects. */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString("base64");
}

/** A human-typeable password: 4 groups of 5 characters from an unambiguous alphabet (~100 bits). */
export function generatePassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  let out = "";
  for (let i = 0; i < 20; i++) {
    out += alphabet[randomInt(alphabet.length)];
    if (i % 5 === 4 && i < 19) out += "-";
  }
  return out;
}
