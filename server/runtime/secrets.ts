import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { generateEncryptionKey, randomToken } from "../crypto/random";
import { DATA_FILES } from "../env";
import { ensurePrivateMode, readJson, writePrivateFile } from "./files";
import { messageOf, StartupError } from "./supervisor";

/**
 * The files `npm start` keeps in the data folder besides the databases: generated secrets
 * (secrets.json, which env() also reads), the embedded services' URLs while they run
 * (runtime.json, so `gatehouse doctor` in another terminal finds them), and the first owner
 * password. All are 0600. Secrets are generated once and never printed.
 */

const SECRET_GENERATORS = {
  // 48 random bytes: signs sessions and tokens.
  AUTH_SECRET: () => randomToken(48),
  // 32 random bytes, base64: the envelope-encryption key for stored upstream credentials.
  GATEHOUSE_ENCRYPTION_KEY: generateEncryptionKey,
  POSTGRES_PASSWORD: () => randomToken(24),
  REDIS_PASSWORD: () => randomToken(24),
} as const;

export type SecretName = keyof typeof SECRET_GENERATORS;
export type Secrets = Partial<Record<SecretName, string>>;

// Unknown keys are kept, so a newer version's secrets survive a start of an older one.
const SECRETS_FILE = z.looseObject({
  AUTH_SECRET: z.string().min(1).optional(),
  GATEHOUSE_ENCRYPTION_KEY: z.string().min(1).optional(),
  POSTGRES_PASSWORD: z.string().min(1).optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
});

export const OWNER_PASSWORD_FILE = "owner-password.txt";

export function secretsPath(dataDir: string): string {
  return path.join(dataDir, DATA_FILES.secrets);
}

/** Read secrets.json and add the `wanted` secrets it lacks. Returns all secrets and the names created. */
export function ensureSecrets(
  dataDir: string,
  wanted: SecretName[],
): { secrets: Secrets; created: SecretName[] } {
  const file = secretsPath(dataDir);
  let stored: z.infer<typeof SECRETS_FILE> = {};
  if (existsSync(file)) {
    try {
      stored = SECRETS_FILE.parse(readJson(file));
    } catch (error) {
      // Never overwrite it: it holds the key that decrypts stored credentials.
      throw new StartupError(
        `${file} cannot be read (${messageOf(error).split("\n")[0]}).\n` +
          "It holds the encryption key for stored credentials: restore it from a backup rather than deleting it.",
      );
    }
    ensurePrivateMode(file);
  }
  const created = wanted.filter((name) => !stored[name]);
  if (created.length > 0) {
    const next = { ...stored };
    for (const name of created) next[name] = SECRET_GENERATORS[name]();
    writePrivateFile(file, `${JSON.stringify(next, null, 2)}\n`);
    stored = next;
  }
  const secrets: Secrets = {};
  for (const name of Object.keys(SECRET_GENERATORS) as SecretName[]) {
    const value = stored[name];
    if (typeof value === "string") secrets[name] = value;
  }
  return { secrets, created };
}

export function runtimePath(dataDir: string): string {
  return path.join(dataDir, DATA_FILES.runtime);
}

export function writeRuntimeFile(dataDir: string, urls: { DATABASE_URL?: string; REDIS_URL?: string }): void {
  writePrivateFile(runtimePath(dataDir), `${JSON.stringify(urls, null, 2)}\n`);
}

export function removeRuntimeFile(dataDir: string): void {
  rmSync(runtimePath(dataDir), { force: true });
}

export function ownerPasswordPath(dataDir: string): string {
  return path.join(dataDir, OWNER_PASSWORD_FILE);
}

export function writeOwnerPassword(dataDir: string, email: string, password: string): void {
  writePrivateFile(
    ownerPasswordPath(dataDir),
    [
      `Gatehouse owner account, created by the demo seed on ${new Date().toISOString()}`,
      `email:    ${email}`,
      `password: ${password}`,
      "Change the password after signing in, then delete this file.",
      "",
    ].join("\n"),
  );
}
