import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * The only module that reads `process.env`. Everything else asks `env()` for validated values.
 *
 * Secrets the embedded default generates (AUTH_SECRET, GATEHOUSE_ENCRYPTION_KEY) live in
 * `<data dir>/secrets.json`; when the variables are not set, they are read from there, so the
 * app, the worker and the `gatehouse` CLI agree without anyone copying secrets around.
 * The embedded services' URLs are read the same way from `<data dir>/runtime.json` while
 * `npm start` runs them.
 */

const booleanish = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((value) => value === "true" || value === "1" || value === "yes");

const base64Key = z
  .string()
  .refine((value) => Buffer.from(value, "base64").length === 32, "must be 32 bytes, base64-encoded");

const csv = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string()));

export const ENV_SCHEMA = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  GATEHOUSE_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  GATEHOUSE_DATA_DIR: z.string().min(1).default(".data"),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/, "letters, digits, ':', '_' and '-' only")
    .default("gatehouse:"),
  AUTH_SECRET: z.string().optional(),
  GATEHOUSE_ENCRYPTION_KEY: base64Key.optional(),
  GATEHOUSE_ENCRYPTION_KEYS_PREVIOUS: csv.pipe(z.array(base64Key)).default([]),
  GATEHOUSE_TRUSTED_PROXIES: csv.default([]),
  GATEHOUSE_METRICS_TOKEN: z.string().min(16).optional(),
  GATEHOUSE_HEALTHCHECK_INTERVAL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
  /** MCP calls per minute per API token, shared by every instance (0 = no limit) */
  GATEHOUSE_MCP_RATE_LIMIT_PER_TOKEN: z.coerce.number().int().min(0).max(1_000_000).default(1000),
  /** MCP calls per minute per user over all their tokens, shared by every instance (0 = no limit) */
  GATEHOUSE_MCP_RATE_LIMIT_PER_USER: z.coerce.number().int().min(0).max(1_000_000).default(2000),
  /** failed password sign-ins per client address (IPv6: per /64) in 15 minutes, every account together (0 = no limit) */
  GATEHOUSE_SIGNIN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(0).max(1_000_000).default(50),
  /** open GET streams per MCP session in one instance (each holds an upstream connection or listener) */
  GATEHOUSE_MCP_STREAMS_PER_SESSION: z.coerce.number().int().min(1).max(1_000).default(8),
  GATEHOUSE_MCP_SESSIONS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(1_000),
  GATEHOUSE_AUDIT_BODY_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .max(64 * 1024 * 1024)
    .default(64 * 1024),
  /** open GET streams per user, all their sessions together, in one instance */
  GATEHOUSE_MCP_STREAMS_PER_USER: z.coerce.number().int().min(1).max(1_000_000).default(500),
  /** where this instance's stdio/SSE channel runner listens for other instances (server/mcp/runner) */
  GATEHOUSE_RUNNER_HOST: z.string().min(1).default("127.0.0.1"),
  /** 0 = any free port (fine when every instance runs on one host) */
  GATEHOUSE_RUNNER_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** how other instances reach this runner, e.g. http://10.0.0.5:3100 (default: http://HOST:PORT as bound) */
  GATEHOUSE_RUNNER_URL: z.url({ protocol: /^http$/ }).optional(),
  /**
   * Who stdio server processes run as when the gateway runs as root: "uid:gid" (nobody by default),
   * or "gateway" to keep root (server/mcp/stdio/sandbox.ts)
   */
  GATEHOUSE_STDIO_RUN_AS: z
    .string()
    .regex(/^(gateway|\d+:\d+)$/, 'must be "uid:gid" or "gateway"')
    .default("65534:65534"),
  /**
   * The network stdio server processes get (server/mcp/stdio/sandbox.ts): "guarded" (a network
   * namespace whose only way out is the egress proxy, with the SSRF guard), "none" (no network at
   * all), or "host" (the host's network, unguarded)
   */
  GATEHOUSE_STDIO_NETWORK: z.enum(["guarded", "none", "host"]).default("guarded"),
  GATEHOUSE_DEMO: booleanish.optional(),
  GATEHOUSE_DEMO_UPSTREAM_PORT: z.coerce.number().int().min(1).max(65535).default(3901),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** signs in as Owner on first sign-in, whatever the method (the first user of an empty installation does too) */
  GATEHOUSE_ADMIN_EMAIL: z.email().optional(),
  // Sign-in providers: each is on when its variables are set (server/auth/providers.ts).
  AUTH_OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  AUTH_OIDC_CLIENT_ID: z.string().min(1).optional(),
  AUTH_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  AUTH_OIDC_NAME: z.string().min(1).max(60).default("Single sign-on"),
  AUTH_OIDC_GROUPS_CLAIM: z.string().min(1).default("groups"),
  AUTH_GITHUB_ID: z.string().min(1).optional(),
  AUTH_GITHUB_SECRET: z.string().min(1).optional(),
  AUTH_GOOGLE_ID: z.string().min(1).optional(),
  AUTH_GOOGLE_SECRET: z.string().min(1).optional(),
  // Mail: "reset by email link" is offered when SMTP_URL is set (server/mail/send-mail.ts).
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  /** sender of Gatehouse's mail; defaults to MAIL_FROM_DEFAULT when SMTP_URL is set */
  MAIL_FROM: z
    .string()
    .trim()
    .regex(
      /^(?:[^<>@]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/,
      'an email address, optionally with a name: "Gatehouse <no-reply@example.com>"',
    )
    .optional(),
});

export const MAIL_FROM_DEFAULT = "Gatehouse <no-reply@localhost>";

/** Variables that only make sense together: naming the missing half beats a half-configured provider. */
const PAIRED_VARIABLES: string[][] = [
  ["AUTH_OIDC_ISSUER", "AUTH_OIDC_CLIENT_ID", "AUTH_OIDC_CLIENT_SECRET"],
  ["AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET"],
  ["AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"],
];

function pairingProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const group of PAIRED_VARIABLES) {
    const set = group.filter((name) => raw[name] !== undefined);
    if (set.length > 0 && set.length < group.length) {
      for (const name of group.filter((candidate) => !set.includes(candidate)))
        problems.push(
          `${name}: not set, but ${set.join(" and ")} ${set.length > 1 ? "are" : "is"}; set all of ${group.join(", ")}`,
        );
    }
  }
  return problems;
}

type RawEnv = z.infer<typeof ENV_SCHEMA>;

/** A set of environment variables: process.env, or a plain object in tests and child-process setup. */
export type EnvSource = Record<string, string | undefined>;

export type Env = Omit<RawEnv, "AUTH_SECRET" | "GATEHOUSE_ENCRYPTION_KEY" | "GATEHOUSE_PUBLIC_URL"> & {
  AUTH_SECRET: string;
  GATEHOUSE_ENCRYPTION_KEY: string;
  GATEHOUSE_PUBLIC_URL: string;
  DATABASE_URL: string;
  REDIS_URL: string;
  /** absolute path of the data folder */
  dataDir: string;
  isProduction: boolean;
};

/** Raised with one line per problem; entry points print the lines and exit without a stack trace. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((line) => `  - ${line}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Files the embedded default writes into the data folder. */
export const DATA_FILES = {
  secrets: "secrets.json",
  runtime: "runtime.json",
} as const;

const SECRETS_FILE_SCHEMA = z.object({
  AUTH_SECRET: z.string(),
  GATEHOUSE_ENCRYPTION_KEY: z.string(),
});

const RUNTIME_FILE_SCHEMA = z.object({
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z.string().optional(),
});

function readJsonFile<T>(file: string, schema: z.ZodType<T>): T | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = schema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  return parsed.success ? parsed.data : undefined;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const name = issue.path.join(".") || "(environment)";
  return `${name}: ${issue.message}`;
}

/** Parse an environment (process.env by default). Pure apart from reading the data folder. */
export function parseEnv(source: EnvSource = process.env): Env {
  // Empty strings mean "unset" (a blank line in .env), not "set to nothing".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ""));
  const parsed = ENV_SCHEMA.safeParse(cleaned);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map(describeIssue));
  const raw = parsed.data;

  const dataDir = path.resolve(raw.GATEHOUSE_DATA_DIR);
  // The data folder is chosen at run time; the comments keep Next's file tracing from bundling the repo.
  const stored = readJsonFile(
    path.join(/*turbopackIgnore: true*/ dataDir, DATA_FILES.secrets),
    SECRETS_FILE_SCHEMA,
  );
  const runtime = readJsonFile(
    path.join(/*turbopackIgnore: true*/ dataDir, DATA_FILES.runtime),
    RUNTIME_FILE_SCHEMA,
  );

  const problems: string[] = pairingProblems(raw);
  const authSecret = raw.AUTH_SECRET ?? stored?.AUTH_SECRET;
  const encryptionKey = raw.GATEHOUSE_ENCRYPTION_KEY ?? stored?.GATEHOUSE_ENCRYPTION_KEY;
  const databaseUrl = raw.DATABASE_URL ?? runtime?.DATABASE_URL;
  const redisUrl = raw.REDIS_URL ?? runtime?.REDIS_URL;
  if (!authSecret) problems.push("AUTH_SECRET: not set (generate one with `openssl rand -base64 32`)");
  if (!encryptionKey)
    problems.push("GATEHOUSE_ENCRYPTION_KEY: not set (32 random bytes, base64: `openssl rand -base64 32`)");
  else if (Buffer.from(encryptionKey, "base64").length !== 32)
    problems.push("GATEHOUSE_ENCRYPTION_KEY: must be 32 bytes, base64-encoded");
  if (!databaseUrl)
    problems.push("DATABASE_URL: not set (or run `npm start`, which starts an embedded PostgreSQL)");
  if (!redisUrl)
    problems.push("REDIS_URL: not set (or run `npm start`, which starts redis-server from PATH)");
  if (problems.length > 0 || !authSecret || !encryptionKey || !databaseUrl || !redisUrl)
    throw new ConfigError(problems);

  return {
    ...raw,
    AUTH_SECRET: authSecret,
    GATEHOUSE_ENCRYPTION_KEY: encryptionKey,
    GATEHOUSE_PUBLIC_URL: (raw.GATEHOUSE_PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, ""),
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    dataDir,
    isProduction: raw.NODE_ENV === "production",
  };
}

let cached: Env | undefined;

/** The validated environment of this process, parsed once. Throws `ConfigError`. */
export function env(): Env {
  cached ??= parseEnv();
  return cached;
}

/**
 * Only the variables the embedded-default supervisor needs before any secret exists
 * (data folder, ports, whether to run embedded services). Never throws for missing secrets.
 */
export function bootEnv(source: EnvSource = process.env) {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ""));
  const parsed = ENV_SCHEMA.safeParse(cleaned);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map(describeIssue));
  return { ...parsed.data, dataDir: path.resolve(parsed.data.GATEHOUSE_DATA_DIR) };
}

/** True when stdout is a terminal and colour is wanted; read here so no other module touches process.env. */
export function isCi(source: EnvSource = process.env): boolean {
  return source.CI === "true" || source.CI === "1";
}

/**
 * This process's environment with some variables replaced (`undefined` removes one): what the
 * `npm start` supervisor hands to the processes it starts, and validates with `parseEnv`.
 */
export function processEnvWith(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const merged: Record<string, string | undefined> = { ...process.env };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  return merged as NodeJS.ProcessEnv;
}
