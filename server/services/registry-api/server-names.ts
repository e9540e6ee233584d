/**
 * Names of catalog entries in the MCP Registry API. An entry keeps the reverse-DNS name it was
 * imported or published with (Server.registryName). Entries without one are named
 * `<namespace>/<slug>`, where the namespace is the host of GATEHOUSE_PUBLIC_URL with its labels
 * reversed (gatehouse.example.com → "com.example.gatehouse"). A host that is an IP address or a
 * single label such as "localhost" has no reverse-DNS form, so it becomes "local.gatehouse".
 * Either way the name fits the registry's pattern ^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$ (3–200 chars).
 */
export const REGISTRY_NAME_RE = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/;
export const LOCAL_NAMESPACE = "local.gatehouse";
const MAX_NAME_LENGTH = 200;
const MAX_VERSION_LENGTH = 255;
// A slug is at most 63 characters; the namespace leaves room for it.
const MAX_NAMESPACE_LENGTH = MAX_NAME_LENGTH - 64;

export function isRegistryName(value: string): boolean {
  return value.length >= 3 && value.length <= MAX_NAME_LENGTH && REGISTRY_NAME_RE.test(value);
}

export function namespaceFromPublicUrl(publicUrl: string): string {
  let host: string;
  try {
    host = new URL(publicUrl).hostname.toLowerCase();
  } catch {
    return LOCAL_NAMESPACE;
  }
  const isIp = host.startsWith("[") || /^[0-9.]+$/.test(host);
  const labels = host.split(".").filter(Boolean);
  if (isIp || labels.length < 2) return LOCAL_NAMESPACE;
  const namespace = labels.reverse().join(".");
  return /^[a-z0-9.-]+$/.test(namespace) && namespace.length <= MAX_NAMESPACE_LENGTH
    ? namespace
    : LOCAL_NAMESPACE;
}

/** The entry's name in the Registry API, and whether it is the server's own (not derived) name. */
export function registryNameOf(
  server: { registryName: string | null; slug: string },
  namespace: string,
): { name: string; isExplicit: boolean } {
  if (server.registryName !== null && isRegistryName(server.registryName))
    return { name: server.registryName, isExplicit: true };
  return { name: `${namespace}/${server.slug}`, isExplicit: false };
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * Reads `/v0.1/servers/{serverName}/versions[/{version}]` from a raw (still percent-encoded) path.
 * The name is normally URL-encoded ("io.github.acme%2Fweather"); the unencoded form, whose slash
 * splits it into two segments, is accepted too because a name has exactly one slash. Anything that
 * does not decode to a valid registry name (traversal, look-alike characters, extra slashes) is
 * null, which the caller answers with 404.
 */
export function parseServerPath(pathname: string): { name: string; version: string | null } | null {
  const prefix = "/v0.1/servers/";
  if (!pathname.startsWith(prefix)) return null;
  const segments = pathname.slice(prefix.length).split("/");
  const decoded = segments.map(decodeSegment);
  if (decoded.some((segment) => segment === null || segment === "")) return null;
  const parts = decoded as string[];

  let name: string | undefined;
  let rest: string[];
  const first = parts[0] ?? "";
  if (first.includes("/")) {
    name = first;
    rest = parts.slice(1);
  } else {
    name = parts.length >= 2 ? `${first}/${parts[1]}` : undefined;
    rest = parts.slice(2);
  }
  if (name === undefined || !isRegistryName(name)) return null;
  if (rest[0] !== "versions") return null;
  if (rest.length === 1) return { name, version: null };
  const version = rest[1];
  if (rest.length !== 2 || version === undefined || version.length > MAX_VERSION_LENGTH) return null;
  // A version is one printable, non-space token; anything else cannot name one of ours.
  if (!/^[\x21-\x7e]+$/.test(version) || version.includes("/")) return null;
  return { name, version };
}
