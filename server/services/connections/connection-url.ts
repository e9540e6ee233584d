import { randomBytes } from "node:crypto";
import { env } from "../../env";

/**
 * The per-user connection URL (DESIGN.md, "Connection"): `<public URL>/mcp/<publicId>`. The public
 * id is 32 random bytes in base64url (256 bits), so URLs cannot be guessed or enumerated; the proxy
 * (issue 5) additionally requires a credential of the connection's owner.
 */
export const CONNECTION_PATH_PREFIX = "/mcp/";
const PUBLIC_ID_RE = /^[A-Za-z0-9_-]{43}$/;

export function newConnectionPublicId(): string {
  return randomBytes(32).toString("base64url");
}

export function isConnectionPublicId(value: string): boolean {
  return PUBLIC_ID_RE.test(value);
}

export function connectionUrl(publicId: string, baseUrl: string = env().GATEHOUSE_PUBLIC_URL): string {
  return `${baseUrl.replace(/\/+$/, "")}${CONNECTION_PATH_PREFIX}${publicId}`;
}
