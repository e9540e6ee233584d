import type { Env } from "../env";

/**
 * The security posture printed at start-up and shown on the settings page: which secrets are weak,
 * whether TLS and proxies are in place. In production a weak secret is fatal.
 */
export type PostureCheck = {
  name: string;
  status: "ok" | "warn" | "fail";
  detail: string;
};

/** Placeholders people copy from docs and examples; never acceptable as real secrets. */
const KNOWN_DEFAULTS = new Set([
  "changeme",
  "change-me",
  "secret",
  "password",
  "development",
  "replace-me",
  "gatehouse",
]);

export function isWeakSecret(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (value.length < 32) return true;
  if (KNOWN_DEFAULTS.has(normalized) || normalized.includes("changeme") || normalized.includes("replace"))
    return true;
  // Very few distinct characters means it was typed, not generated ("aaaa…", "abababab…").
  return new Set(value).size < 10;
}

function signInMethods(config: Env): string[] {
  return [
    "email and password",
    ...(config.AUTH_OIDC_ISSUER ? [`OIDC (${new URL(config.AUTH_OIDC_ISSUER).host})`] : []),
    ...(config.AUTH_GITHUB_ID ? ["GitHub"] : []),
    ...(config.AUTH_GOOGLE_ID ? ["Google"] : []),
  ];
}

function isWeakKey(base64: string): boolean {
  const key = Buffer.from(base64, "base64");
  return new Set(key).size < 8; // all-zero or repeated-byte keys
}

export function securityPosture(config: Env): PostureCheck[] {
  const publicUrl = new URL(config.GATEHOUSE_PUBLIC_URL);
  const isLocal = ["localhost", "127.0.0.1", "[::1]"].includes(publicUrl.hostname);
  const checks: PostureCheck[] = [
    isWeakSecret(config.AUTH_SECRET)
      ? { name: "AUTH_SECRET", status: "fail", detail: "weak or default (use 32+ random characters)" }
      : { name: "AUTH_SECRET", status: "ok", detail: "strong" },
    isWeakKey(config.GATEHOUSE_ENCRYPTION_KEY)
      ? { name: "GATEHOUSE_ENCRYPTION_KEY", status: "fail", detail: "weak (use 32 random bytes)" }
      : { name: "GATEHOUSE_ENCRYPTION_KEY", status: "ok", detail: "strong, 256-bit" },
    publicUrl.protocol === "https:"
      ? { name: "TLS", status: "ok", detail: `served as ${publicUrl.origin}` }
      : {
          name: "TLS",
          status: isLocal ? "warn" : "fail",
          detail: isLocal
            ? "plain HTTP on localhost (fine on this machine; put TLS in front before exposing it)"
            : `plain HTTP on ${publicUrl.host}: terminate TLS and set GATEHOUSE_PUBLIC_URL to https://`,
        },
    {
      name: "Authentication",
      status: "ok",
      detail: `sign-in required for every page and API; methods: ${signInMethods(config).join(", ")}`,
    },
    config.GATEHOUSE_TRUSTED_PROXIES.length > 0
      ? { name: "Trusted proxies", status: "ok", detail: config.GATEHOUSE_TRUSTED_PROXIES.join(", ") }
      : { name: "Trusted proxies", status: "ok", detail: "none: X-Forwarded-* headers are ignored" },
    config.GATEHOUSE_METRICS_TOKEN
      ? { name: "Metrics", status: "ok", detail: "/api/metrics requires the metrics token" }
      : { name: "Metrics", status: "ok", detail: "/api/metrics answers loopback clients only" },
  ];
  return checks;
}

/** Problems that stop a production start. */
export function fatalPostureProblems(config: Env): string[] {
  if (!config.isProduction) return [];
  return securityPosture(config)
    .filter((check) => check.status === "fail" && check.name !== "TLS")
    .map((check) => `${check.name}: ${check.detail}`);
}

export function formatPosture(checks: PostureCheck[]): string {
  const mark = { ok: "✓", warn: "!", fail: "✗" } as const;
  return checks.map((check) => `  ${mark[check.status]} ${check.name}: ${check.detail}`).join("\n");
}
