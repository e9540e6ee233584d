import { createCipheriv, createDecipheriv, createHash, randomFillSync } from "node:crypto";
import { AppError } from "../errors";

/**
 * AES-256-GCM envelopes for secrets at rest (connection secrets, upstream tokens, audit bodies).
 *
 * Layout: version (1 byte) | key id (8 bytes) | IV (12 bytes) | auth tag (16 bytes) | ciphertext.
 * The key id travels with every ciphertext so keys can rotate: new data is sealed with the current
 * key, old data still opens with any previous key until it is re-encrypted.
 * `context` is bound as additional authenticated data, so a ciphertext copied from one row or
 * column to another (e.g. another user's connection) fails to open.
 */
const VERSION = 1;
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES;

export type Keyring = { current: Buffer; previous: Buffer[] };

// A key id is a hash of its key; envelopes are many (two per audited MCP exchange) and keys few.
const keyIds = new WeakMap<Buffer, Buffer>();

function keyIdBytes(key: Buffer): Buffer {
  let id = keyIds.get(key);
  if (id === undefined) {
    id = createHash("sha256").update("gatehouse/key-id/v1").update(key).digest().subarray(0, KEY_ID_BYTES);
    keyIds.set(key, id);
  }
  return id;
}

export function keyIdOf(key: Buffer): string {
  return keyIdBytes(key).toString("hex");
}

// IVs come from a block of CSPRNG bytes refilled as it runs out: the audit of every MCP exchange
// seals two bodies, and one randomFillSync per 4 KiB costs far less than one per IV. Each IV is
// still 96 fresh random bits, never reused.
const IV_POOL_BYTES = 4096;
const ivPool = Buffer.alloc(IV_POOL_BYTES);
let ivOffset = IV_POOL_BYTES;

function nextIv(): Buffer {
  if (ivOffset + IV_BYTES > IV_POOL_BYTES) {
    randomFillSync(ivPool);
    ivOffset = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivOffset, ivOffset + IV_BYTES));
  ivOffset += IV_BYTES;
  return iv;
}

export function keyringFromBase64(current: string, previous: string[] = []): Keyring {
  const decode = (value: string) => {
    const key = Buffer.from(value, "base64");
    if (key.length !== 32) throw new Error("encryption keys must be 32 bytes");
    return key;
  };
  return { current: decode(current), previous: previous.map(decode) };
}

export function seal(keyring: Keyring, plaintext: Buffer | string, context: string): Buffer {
  const iv = nextIv();
  const cipher = createCipheriv("aes-256-gcm", keyring.current, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = cipher.update(plaintext);
  const rest = cipher.final();
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length + rest.length);
  out[0] = VERSION;
  keyIdBytes(keyring.current).copy(out, 1);
  iv.copy(out, 1 + KEY_ID_BYTES);
  cipher.getAuthTag().copy(out, 1 + KEY_ID_BYTES + IV_BYTES);
  body.copy(out, HEADER_BYTES);
  rest.copy(out, HEADER_BYTES + body.length);
  return out;
}

export function open(keyring: Keyring, envelope: Uint8Array, context: string): Buffer {
  const data = Buffer.from(envelope);
  if (data.length < HEADER_BYTES || data[0] !== VERSION) {
    throw new AppError("INTERNAL", "Stored secret is not a valid envelope");
  }
  const keyId = data.subarray(1, 1 + KEY_ID_BYTES).toString("hex");
  const key = [keyring.current, ...keyring.previous].find((candidate) => keyIdOf(candidate) === keyId);
  if (!key) throw new AppError("INTERNAL", `Stored secret was encrypted with unknown key ${keyId}`);
  const iv = data.subarray(1 + KEY_ID_BYTES, 1 + KEY_ID_BYTES + IV_BYTES);
  const tag = data.subarray(1 + KEY_ID_BYTES + IV_BYTES, HEADER_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(data.subarray(HEADER_BYTES)), decipher.final()]);
  } catch (cause) {
    throw new AppError("INTERNAL", "Stored secret failed its integrity check", { cause });
  }
}

/** The key id an envelope was sealed with (for audit rows and re-encryption jobs). */
export function envelopeKeyId(envelope: Uint8Array): string {
  return Buffer.from(envelope.subarray(1, 1 + KEY_ID_BYTES)).toString("hex");
}
