import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";

/**
 * Personal API tokens look like `gh_<keyId>_<secret>`:
 * - `keyId`: 12 characters of lowercase base32 (60 random bits). Public: it is shown in the UI and
 *   stored in clear, so a presented token is found with one indexed lookup instead of hashing it
 *   against every row.
 * - `secret`: 32 random bytes in base64url (43 characters). Only its SHA-256 is stored.
 *
 * Why a fast hash: a slow password hash (argon2, bcrypt) protects low-entropy secrets people chose.
 * This secret has 256 bits of entropy, so no amount of guessing finds the preimage of its SHA-256;
 * a slow hash would add nothing but tens of milliseconds of CPU to every API call, which is itself a
 * denial-of-service lever. The fixed length of `keyId` makes parsing unambiguous even though the
 * base64url secret may itself contain `_`.
 */
export const API_TOKEN_PREFIX = "gh_";
const KEY_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const KEY_ID_LENGTH = 12;
const SECRET_BYTES = 32;
const TOKEN_RE = /^gh_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;
const KEY_ID_RE = /^[a-z2-7]{12}$/;

export type ParsedApiToken = { keyId: string; secret: string };

export function newKeyId(): string {
  let keyId = "";
  for (let i = 0; i < KEY_ID_LENGTH; i++) keyId += KEY_ID_ALPHABET[randomInt(KEY_ID_ALPHABET.length)];
  return keyId;
}

export function newSecret(): string {
  return randomBytes(SECRET_BYTES).toString("base64url");
}

export function formatApiToken(keyId: string, secret: string): string {
  return `${API_TOKEN_PREFIX}${keyId}_${secret}`;
}

export function isKeyId(value: string): boolean {
  return KEY_ID_RE.test(value);
}

/** Looks like one of ours (cheap check before any database work); null otherwise. */
export function parseApiToken(value: string): ParsedApiToken | null {
  const match = TOKEN_RE.exec(value);
  if (!match) return null;
  const [, keyId, secret] = match;
  if (keyId === undefined || secret === undefined) return null;
  // 43 base64url characters carry 258 bits; the last one must leave the 2 spare bits at zero, so
  // exactly one spelling of each secret is accepted.
  if (Buffer.from(secret, "base64url").toString("base64url") !== secret) return null;
  return { keyId, secret };
}

/** Hex SHA-256 of the secret: the value kept in ApiToken.secretHash. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/**
 * Does `secret` hash to `storedHash`? Compares the two digests in constant time, so the response
 * time says nothing about how many leading characters matched.
 */
export function secretMatches(secret: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, "hex");
  const actual = createHash("sha256").update(secret, "utf8").digest();
  if (expected.length !== actual.length) return false;
  return timingSafeEqual(expected, actual);
}

/** The bearer credential of an `Authorization` header, or null when there is none. */
export function bearerToken(authorization: string | null): string | null {
  if (authorization === null) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match?.[1] ?? null;
}
