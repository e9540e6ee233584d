import { z } from "zod";
import type { Db, Prisma, Tx } from "../../db";
import { AppError } from "../../errors";
import { checkOutboundUrl, type Resolver } from "../../security/outbound-url";
import {
  type ConfigField,
  type ConfigValues,
  missingRequired,
  openSecrets,
  secretContext,
} from "../servers/config-fields";
import { getOutboundPolicy, policyForVersion } from "../settings/outbound-policy";

/**
 * The rules every connection change shares: what the version supplies, what state the connection
 * is in, and the connect-time SSRF check (PROTOCOL X1) of the upstream URL the user's values build.
 */
export const CONNECTION_VERSION_SELECT = {
  id: true,
  version: true,
  transport: true,
  url: true,
  configSchema: true,
  sharedConfig: true,
  sharedSecrets: true,
  upstreamAuth: true,
  /** whether an admin vouched for it (policyForVersion) */
  reviewedAt: true,
  status: true,
} satisfies Prisma.ServerVersionSelect;

export type ConnectionVersion = Prisma.ServerVersionGetPayload<{ select: typeof CONNECTION_VERSION_SELECT }>;

export type ConnectionStatus = "CONFIGURED" | "NEEDS_CONFIGURATION" | "UPSTREAM_AUTH_NEEDED";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Connection ids arrive from URLs; anything that is not a UUID is simply not found (X3). */
export function isConnectionId(value: string): boolean {
  return UUID_RE.test(value);
}

export function connectionNotFound(): AppError {
  return new AppError("NOT_FOUND", "This connection doesn't exist.");
}

const STORED_VALUES = z.record(z.string(), z.string());

/** A stored Json column of values (a connection's config, a version's sharedConfig); malformed → none. */
export function readStoredValues(value: unknown): ConfigValues {
  const parsed = STORED_VALUES.safeParse(value);
  return parsed.success ? parsed.data : {};
}

/**
 * The publisher's values for the shared fields. Shared secrets are opened only when a shared secret
 * field could matter here (a URL variable, or a required field whose presence decides the status).
 */
export function sharedValuesOf(version: ConnectionVersion, fields: readonly ConfigField[]): ConfigValues {
  const sharedNames = new Set(fields.filter((field) => !field.perUser).map((field) => field.name));
  const plain = Object.fromEntries(
    Object.entries(readStoredValues(version.sharedConfig)).filter(([name]) => sharedNames.has(name)),
  );
  const needsSecrets = fields.some((field) => !field.perUser && field.secret);
  const secret = needsSecrets
    ? openSecrets(version.sharedSecrets, secretContext.serverVersion(version.id))
    : {};
  return {
    ...plain,
    ...Object.fromEntries(Object.entries(secret).filter(([name]) => sharedNames.has(name))),
  };
}

/** Per-user required fields without a value or default. */
export function missingPerUserFields(fields: readonly ConfigField[], perUser: ConfigValues): string[] {
  return missingRequired(fields, true, new Set(Object.keys(perUser)));
}

/**
 * Configuration comes first: an upstream sign-in cannot start before the URL it goes to is known.
 * Shared fields the publisher left empty also block the connection, since the user cannot fix them.
 */
export function connectionStatus(options: {
  fields: readonly ConfigField[];
  perUser: ConfigValues;
  shared: ConfigValues;
  upstreamAuth: "NONE" | "STATIC_HEADER" | "OAUTH";
}): ConnectionStatus {
  const missing = [
    ...missingPerUserFields(options.fields, options.perUser),
    ...missingRequired(options.fields, false, new Set(Object.keys(options.shared))),
  ];
  if (missing.length > 0) return "NEEDS_CONFIGURATION";
  // TODO(upstream OAuth issue): CONFIGURED once this connection holds a valid upstream credential.
  if (options.upstreamAuth === "OAUTH") return "UPSTREAM_AUTH_NEEDED";
  return "CONFIGURED";
}

const PLACEHOLDER_RE = /\{([A-Za-z_][A-Za-z0-9_-]*)\}/g;

/**
 * The upstream URL with its `{variable}` placeholders filled from the user's values, then the
 * publisher's, then the field's default. Values are percent-encoded, so a value can never add a
 * path, a port, a query or a user@ part; it stays inside the component it was put in. Returns null
 * when a required URL variable has no value yet (the connection then needs configuration).
 */
export function buildUpstreamUrl(options: {
  template: string;
  fields: readonly ConfigField[];
  perUser: ConfigValues;
  shared: ConfigValues;
}): string | null {
  const byName = new Map(
    options.fields.filter((field) => field.target === "url-variable").map((field) => [field.name, field]),
  );
  let isIncomplete = false;
  const url = options.template.replace(PLACEHOLDER_RE, (_match, name: string) => {
    const field = byName.get(name);
    const source = field?.perUser === false ? options.shared : options.perUser;
    const value = (field && Object.hasOwn(source, name) ? source[name] : undefined) ?? field?.default ?? null;
    if (value === null || value === "") {
      if (field?.required) isIncomplete = true;
      return "";
    }
    return encodeURIComponent(value);
  });
  return isIncomplete ? null : url;
}

/**
 * The connect-time SSRF check (PROTOCOL X1): the URL this connection would reach, resolved and
 * judged by the outbound guard and the admin's allow-list. Stdio servers have no URL to check.
 */
export async function assertUpstreamReachable(options: {
  db: Db | Tx;
  version: ConnectionVersion;
  fields: readonly ConfigField[];
  perUser: ConfigValues;
  shared: ConfigValues;
  resolver?: Resolver;
}): Promise<void> {
  const { version } = options;
  if (version.transport === "STDIO" || !version.url) return;
  const url = buildUpstreamUrl({
    template: version.url,
    fields: options.fields,
    perUser: options.perUser,
    shared: options.shared,
  });
  if (url === null) return;
  const policy = policyForVersion(await getOutboundPolicy(options.db), version);
  const check = await checkOutboundUrl(url, policy, options.resolver);
  if (!check.ok) {
    throw new AppError(
      "BAD_REQUEST",
      `Gatehouse will not connect to this server's address: ${check.reason}.`,
      {
        details: { reason: check.reason },
      },
    );
  }
}

/** "GitHub", or "GitHub (2)", "GitHub (3)"… when this user already has connections by that name. */
export async function uniqueConnectionName(db: Db | Tx, userId: string, base: string): Promise<string> {
  const taken = new Set(
    (
      await db.connection.findMany({
        where: { userId, name: { startsWith: base } },
        select: { name: true },
      })
    ).map((row) => row.name),
  );
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base} (${n})`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Names of the fields whose values differ between two value sets (never the values themselves). */
export function changedFieldNames(before: ConfigValues, after: ConfigValues): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}
