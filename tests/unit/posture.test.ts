import { describe, expect, it } from "vitest";
import { parseEnv } from "@/server/env";
import { fatalPostureProblems, isWeakSecret, securityPosture } from "@/server/ops/posture";

const STRONG_SECRET = "pR7vK2mQ9xL4tN8wB3cF6hJ1sD5gZ0aY-uE";
const base = {
  DATABASE_URL: "postgresql://localhost/gatehouse",
  REDIS_URL: "redis://localhost:6379",
  AUTH_SECRET: STRONG_SECRET,
  GATEHOUSE_ENCRYPTION_KEY: Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString(
    "base64",
  ),
  GATEHOUSE_DATA_DIR: "/nonexistent/gatehouse-data",
};

describe("security posture", () => {
  it.each([
    ["short", "abc", true],
    ["placeholder", "changeme-changeme-changeme-changeme", true],
    ["repeated characters", "a".repeat(64), true],
    ["two characters alternating", "ab".repeat(32), true],
    ["generated", STRONG_SECRET, false],
  ])("classifies a %s secret", (_label, secret, weak) => {
    expect(isWeakSecret(secret)).toBe(weak);
  });

  it("reports every check and allows a strong production configuration", () => {
    const config = parseEnv({
      ...base,
      NODE_ENV: "production",
      GATEHOUSE_PUBLIC_URL: "https://gate.example.com",
    });
    const names = securityPosture(config).map((check) => check.name);
    expect(names).toEqual(
      expect.arrayContaining(["AUTH_SECRET", "GATEHOUSE_ENCRYPTION_KEY", "TLS", "Authentication"]),
    );
    expect(fatalPostureProblems(config)).toEqual([]);
  });

  it("refuses production with a weak auth secret or an all-zero key, naming both", () => {
    const config = parseEnv({
      ...base,
      NODE_ENV: "production",
      AUTH_SECRET: "changeme",
      GATEHOUSE_ENCRYPTION_KEY: Buffer.alloc(32).toString("base64"),
    });
    const problems = fatalPostureProblems(config);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^AUTH_SECRET/);
    expect(problems[1]).toMatch(/^GATEHOUSE_ENCRYPTION_KEY/);
  });

  it("only warns about weak secrets outside production", () => {
    const config = parseEnv({ ...base, AUTH_SECRET: "changeme" });
    expect(securityPosture(config).find((check) => check.name === "AUTH_SECRET")?.status).toBe("fail");
    expect(fatalPostureProblems(config)).toEqual([]);
  });

  it("lists the sign-in methods that are configured", () => {
    const config = parseEnv({
      ...base,
      AUTH_OIDC_ISSUER: "https://login.example.com/realms/acme",
      AUTH_OIDC_CLIENT_ID: "gatehouse",
      AUTH_OIDC_CLIENT_SECRET: "s3cret",
    });
    expect(securityPosture(config).find((check) => check.name === "Authentication")).toEqual({
      name: "Authentication",
      status: "ok",
      detail:
        "sign-in required for every page and API; methods: email and password, OIDC (login.example.com)",
    });
  });

  it("flags plain HTTP on a public host", () => {
    const config = parseEnv({ ...base, GATEHOUSE_PUBLIC_URL: "http://gate.example.com" });
    expect(securityPosture(config).find((check) => check.name === "TLS")?.status).toBe("fail");
  });
});
