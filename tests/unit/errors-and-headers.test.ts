import { describe, expect, it } from "vitest";
import { AppError, GENERIC_MESSAGE, toHttpError, toJsonRpcError } from "@/server/errors";
import { contentSecurityPolicy, securityHeaders } from "@/server/http/security-headers";
import { routeGroup } from "@/server/ops/metrics";

describe("AppError mapping", () => {
  it("maps an AppError to its status and a JSON body with code and message", () => {
    const error = new AppError("NOT_FOUND", "No such server.", { details: { slug: "x" } });
    expect(toHttpError(error)).toEqual({
      status: 404,
      body: { error: { code: "NOT_FOUND", message: "No such server.", details: { slug: "x" } } },
    });
    expect(toJsonRpcError(error)).toEqual({ code: -32004, message: "No such server.", data: { slug: "x" } });
  });

  it("hides unexpected errors behind a generic 500", () => {
    const leaky = new Error("connect ECONNREFUSED postgresql://admin:hunter2@db:5432");
    const http = toHttpError(leaky);
    expect(http.status).toBe(500);
    expect(JSON.stringify(http.body)).not.toContain("hunter2");
    expect(http.body.error.message).toBe(GENERIC_MESSAGE);
    expect(toJsonRpcError(leaky)).toEqual({ code: -32603, message: GENERIC_MESSAGE });
  });
});

describe("security headers", () => {
  it("puts the nonce in script-src and forbids framing, eval and plugins in production", () => {
    const csp = contentSecurityPolicy({ nonce: "abc123", isDev: false, isHttps: false });
    expect(csp).toContain("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-eval");
  });

  it("sends HSTS only over TLS", () => {
    expect(securityHeaders({ csp: "x", isHttps: false })).not.toHaveProperty("strict-transport-security");
    expect(securityHeaders({ csp: "x", isHttps: true })["strict-transport-security"]).toMatch(/max-age=\d+/);
    expect(securityHeaders({ csp: "x", isHttps: false })["x-content-type-options"]).toBe("nosniff");
  });
});

describe("metric route groups", () => {
  it("never turns ids into label values", () => {
    expect(routeGroup("/mcp/c_8f3k2j")).toBe("mcp");
    expect(routeGroup("/v0.1/servers")).toBe("registry-api");
    expect(routeGroup("/api/trpc/system.getStatus,system.getOverview")).toBe("trpc");
    expect(routeGroup("/api/ready")).toBe("/api/ready");
    expect(routeGroup("/servers/everything")).toBe("page");
    expect(routeGroup("/_next/static/chunks/a.js")).toBe("static");
  });
});
