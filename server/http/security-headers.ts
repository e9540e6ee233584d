/**
 * Security headers for every response (PROTOCOL X4). The CSP carries a per-request nonce: Next reads
 * it from the request's Content-Security-Policy header and stamps it on its own scripts, so only
 * scripts we emitted run. Styles allow 'unsafe-inline' because React style attributes and the
 * toast library inject styles; script execution is what the nonce protects.
 */
export function contentSecurityPolicy(options: { nonce: string; isDev: boolean; isHttps: boolean }): string {
  const directives = [
    "default-src 'self'",
    // React's dev overlay evaluates code; production never allows eval.
    `script-src 'self' 'nonce-${options.nonce}' 'strict-dynamic'${options.isDev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "font-src 'self'",
    `connect-src 'self'${options.isDev ? " ws:" : ""}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  if (options.isHttps) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

export function securityHeaders(options: { csp: string; isHttps: boolean }): Record<string, string> {
  return {
    "content-security-policy": options.csp,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    // HSTS only over TLS: sent on plain HTTP it would be ignored at best and lock out localhost at worst.
    ...(options.isHttps && { "strict-transport-security": "max-age=63072000; includeSubDomains" }),
  };
}
