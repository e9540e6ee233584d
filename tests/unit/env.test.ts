import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, type EnvSource, parseEnv } from "@/server/env";

const KEY = Buffer.alloc(32, 7).toString("base64");
const VALID = {
  DATABASE_URL: "postgresql://localhost/gatehouse",
  REDIS_URL: "redis://localhost:6379",
  AUTH_SECRET: "x".repeat(40),
  GATEHOUSE_ENCRYPTION_KEY: KEY,
  GATEHOUSE_DATA_DIR: "/nonexistent/gatehouse-data",
};

function problemsOf(source: EnvSource): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("parseEnv", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("accepts a complete environment and fills defaults", () => {
    const config = parseEnv(VALID);
    expect(config.PORT).toBe(3000);
    expect(config.HOST).toBe("127.0.0.1");
    expect(config.GATEHOUSE_PUBLIC_URL).toBe("http://localhost:3000");
    expect(config.REDIS_KEY_PREFIX).toBe("gatehouse:");
    expect(config.isProduction).toBe(false);
  });

  it("names every missing variable on its own line", () => {
    const problems = problemsOf({ GATEHOUSE_DATA_DIR: "/nonexistent/gatehouse-data" });
    expect(problems).toHaveLength(4);
    expect(problems.map((line) => line.split(":")[0])).toEqual([
      "AUTH_SECRET",
      "GATEHOUSE_ENCRYPTION_KEY",
      "DATABASE_URL",
      "REDIS_URL",
    ]);
  });

  it("names each invalid variable and what is wrong", () => {
    const problems = problemsOf({
      ...VALID,
      PORT: "seventy",
      DATABASE_URL: "mysql://localhost/x",
      GATEHOUSE_ENCRYPTION_KEY: "c2hvcnQ=",
      LOG_LEVEL: "loud",
    });
    const names = problems.map((line) => line.split(":")[0]);
    expect(names).toEqual(
      expect.arrayContaining(["PORT", "DATABASE_URL", "GATEHOUSE_ENCRYPTION_KEY", "LOG_LEVEL"]),
    );
    expect(problems.find((line) => line.startsWith("GATEHOUSE_ENCRYPTION_KEY"))).toContain("32 bytes");
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ ...VALID, PORT: "" }).PORT).toBe(3000);
  });

  it("reads generated secrets and embedded URLs from the data folder when variables are unset", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gh-env-"));
    dirs.push(dir);
    writeFileSync(
      path.join(dir, "secrets.json"),
      JSON.stringify({ AUTH_SECRET: "s".repeat(48), GATEHOUSE_ENCRYPTION_KEY: KEY }),
    );
    writeFileSync(
      path.join(dir, "runtime.json"),
      JSON.stringify({
        DATABASE_URL: "postgresql://127.0.0.1:54329/gatehouse",
        REDIS_URL: "redis://127.0.0.1:6390",
      }),
    );
    chmodSync(path.join(dir, "secrets.json"), 0o600);
    const config = parseEnv({ GATEHOUSE_DATA_DIR: dir });
    expect(config.AUTH_SECRET).toBe("s".repeat(48));
    expect(config.DATABASE_URL).toBe("postgresql://127.0.0.1:54329/gatehouse");
    // Explicit variables still win over the data folder.
    expect(parseEnv({ GATEHOUSE_DATA_DIR: dir, REDIS_URL: "redis://other:6379" }).REDIS_URL).toBe(
      "redis://other:6379",
    );
  });

  it("keeps the message free of stack traces and values", () => {
    const error = (() => {
      try {
        parseEnv({ ...VALID, AUTH_SECRET: "", DATABASE_URL: "not a url with secret-password" });
      } catch (caught) {
        return caught as ConfigError;
      }
    })();
    expect(error?.message).toContain("Invalid configuration");
    expect(error?.message).not.toContain("secret-password");
    expect(error?.message).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe(".env.example", () => {
  it("documents every variable the configuration schema accepts", async () => {
    const { readFileSync } = await import("node:fs");
    const { ENV_SCHEMA } = await import("@/server/env");
    const example = readFileSync(path.resolve(import.meta.dirname, "../../.env.example"), "utf8");
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    const missing = Object.keys(ENV_SCHEMA.shape).filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });
});

describe("sign-in provider variables", () => {
  it("names the missing half of a provider's configuration", () => {
    const problems = problemsOf({
      ...VALID,
      AUTH_OIDC_ISSUER: "https://login.example.com",
      AUTH_GITHUB_SECRET: "x",
    });
    expect(problems).toEqual([
      "AUTH_OIDC_CLIENT_ID: not set, but AUTH_OIDC_ISSUER is; set all of AUTH_OIDC_ISSUER, AUTH_OIDC_CLIENT_ID, AUTH_OIDC_CLIENT_SECRET",
      "AUTH_OIDC_CLIENT_SECRET: not set, but AUTH_OIDC_ISSUER is; set all of AUTH_OIDC_ISSUER, AUTH_OIDC_CLIENT_ID, AUTH_OIDC_CLIENT_SECRET",
      "AUTH_GITHUB_ID: not set, but AUTH_GITHUB_SECRET is; set all of AUTH_GITHUB_ID, AUTH_GITHUB_SECRET",
    ]);
  });

  it("accepts a complete provider and defaults its label and groups claim", () => {
    const config = parseEnv({
      ...VALID,
      AUTH_OIDC_ISSUER: "https://login.example.com",
      AUTH_OIDC_CLIENT_ID: "gatehouse",
      AUTH_OIDC_CLIENT_SECRET: "s3cret",
    });
    expect(config.AUTH_OIDC_NAME).toBe("Single sign-on");
    expect(config.AUTH_OIDC_GROUPS_CLAIM).toBe("groups");
  });
});
