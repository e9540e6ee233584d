import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * What tests/e2e/serve.ts started, for the specs: where the data folder and database are, the demo
 * owner's password file, and the test identity provider with its control endpoint.
 */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3217);

export type E2eState = {
  databaseUrl: string;
  dataDir: string;
  ownerEmail: string;
  idp: { issuer: string; controlUrl: string; user: { email: string; password: string; name: string } };
  /** the server's GATEHOUSE_ENCRYPTION_KEY (base64), for specs that seal data as the app does */
  encryptionKey: string;
};

export function statePath(port: number = E2E_PORT): string {
  return path.join(tmpdir(), `gatehouse-e2e-${port}.json`);
}

export function readState(): E2eState {
  return JSON.parse(readFileSync(statePath(), "utf8")) as E2eState;
}

export function ownerPassword(state: E2eState): string {
  const text = readFileSync(path.join(state.dataDir, "owner-password.txt"), "utf8");
  const match = /^password:\s*(\S+)$/m.exec(text);
  if (!match?.[1]) throw new Error("owner password not found in owner-password.txt");
  return match[1];
}

/** Change the groups the test identity provider puts in its next ID token for `email`. */
export async function setIdpGroups(state: E2eState, email: string, groups: string[]): Promise<void> {
  const response = await fetch(`${state.idp.controlUrl}/groups`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, groups }),
  });
  if (!response.ok) throw new Error(`IdP control answered ${response.status}`);
}
