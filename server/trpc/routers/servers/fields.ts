import { z } from "zod";
import { CONFIG_TARGETS } from "../../../services/servers/config-fields";
import { SERVER_TRANSPORTS, UPSTREAM_AUTH_KINDS } from "../../../services/servers/version-definition";

/**
 * Input shapes shared by the servers procedures. They bound sizes and types only; the services
 * apply the rules (server-metadata.ts, version-definition.ts) and answer with field-by-field
 * messages in `details.fieldErrors`, keyed by the same paths as these inputs.
 */
export const SERVER_ID = z.uuid();
export const VERSION_ID = z.uuid();
export const SCOPE = z.enum(["PERSONAL", "SHARED"]);
export const INTENT = z.enum(["draft", "publish"]);
export const SERVER_STATUS = z.enum(["DRAFT", "PENDING_APPROVAL", "APPROVED", "REJECTED", "RETIRED"]);
/** a version label such as "1.0.0" */
export const VERSION_LABEL = z.string().max(200);

const LINK = z.string().max(4096).nullable();

/** Metadata of a catalog entry. null or "" clears an optional link. */
export const METADATA = z
  .object({
    name: z.string().max(1000),
    /** lowercase letters, digits and single hyphens, 1–63; "new", "import", "review", "edit" are reserved */
    slug: z.string().max(200),
    /** markdown, at most 5000 characters */
    description: z.string().max(20_000).optional(),
    iconUrl: LINK.optional(),
    /** at most 10, each lowercase [a-z0-9-] up to 30 characters */
    tags: z.array(z.string().max(100)).max(50).optional(),
    websiteUrl: LINK.optional(),
    repositoryUrl: LINK.optional(),
  })
  .strict();

/** One configuration field (ConfigField); the rules are CONFIG_SCHEMA's, applied by the service. */
export const CONFIG_FIELD_INPUT = z
  .object({
    name: z.string().max(1000),
    label: z.string().max(1000),
    description: z.string().max(10_000).optional(),
    secret: z.boolean().optional(),
    required: z.boolean().optional(),
    default: z.string().max(20_000).nullable().optional(),
    choices: z.array(z.string().max(2000)).max(500).nullable().optional(),
    target: z.enum(CONFIG_TARGETS),
    perUser: z.boolean().optional(),
  })
  .strict();

/** What a version runs: a remote URL, or an allowed stdio command template with arguments. */
export const DEFINITION = z
  .object({
    transport: z.enum(SERVER_TRANSPORTS),
    /** remote: http(s) URL; `{name}` placeholders must be url-variable fields */
    url: z.string().max(4096).nullable().optional(),
    /** STDIO: the executable of an allowed command template, e.g. "npx" */
    command: z.string().max(500).nullable().optional(),
    /** STDIO: argument array, e.g. ["-y", "@scope/pkg@1.2.3"] (never a shell string) */
    args: z.array(z.string().max(4000)).max(100).optional(),
    configSchema: z.array(CONFIG_FIELD_INPUT).max(100).optional(),
    /** values of the shared (perUser: false) fields, secrets included; secrets are write-only */
    sharedValues: z.record(z.string().max(1000), z.string().max(20_000)).optional(),
    upstreamAuth: z.enum(UPSTREAM_AUTH_KINDS).optional(),
  })
  .strict();

const MAX_DOCUMENT_CHARS = 300_000;
/** a server.json as text (an upload or paste) */
export const IMPORT_DOCUMENT = z.string().max(MAX_DOCUMENT_CHARS);
/** where to fetch a server.json (checked by the SSRF guard) */
export const IMPORT_URL = z.string().max(4096);
