import type { Db, Tx } from "../../db";
import { AppError } from "../../errors";
import { cleanDescription, cleanLine } from "../catalog/parse-server-json";

/**
 * The rules for a catalog entry's metadata, in one place for create, update, import and the CLI.
 * Text is cleaned of control, bidi and zero-width characters (they can make a listing lie about
 * what it is); links must be absolute http(s) so they can never become `javascript:` in a page.
 */
export const MAX_SERVER_NAME_LENGTH = 200;
export const MAX_SERVER_DESCRIPTION_LENGTH = 5000;
export const MAX_SERVER_SLUG_LENGTH = 63;
export const MAX_TAGS = 10;
export const MAX_TAG_LENGTH = 30;
const MAX_LINK_LENGTH = 2048;

/** Path segments the servers pages use; a server with one of these slugs would shadow them. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set(["new", "import", "review", "edit"]);

const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const TAG_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export type ServerMetadata = {
  name: string;
  slug: string;
  description: string;
  iconUrl: string | null;
  tags: string[];
  websiteUrl: string | null;
  repositoryUrl: string | null;
};

export type ServerMetadataInput = {
  name: string;
  slug: string;
  description?: string | null;
  iconUrl?: string | null;
  tags?: readonly string[] | null;
  websiteUrl?: string | null;
  repositoryUrl?: string | null;
};

export const LINK_FIELDS = ["iconUrl", "websiteUrl", "repositoryUrl"] as const;
type LinkField = (typeof LINK_FIELDS)[number];
const LINK_LABELS: Record<LinkField, string> = {
  iconUrl: "Icon URL",
  websiteUrl: "Website URL",
  repositoryUrl: "Repository URL",
};

type FieldErrors = Record<string, string[]>;

function codePoints(text: string): number {
  return Array.from(text).length;
}

/**
 * NFKC, trimmed, lower-cased (X3: look-alike and full-width forms fold to one spelling), or null
 * when the result is not a slug. Lookups and saves both go through this.
 */
export function canonicalServerSlug(value: string): string | null {
  const slug = value.normalize("NFKC").trim().toLowerCase();
  if (slug.length === 0 || slug.length > MAX_SERVER_SLUG_LENGTH) return null;
  if (!SLUG_RE.test(slug) || slug.includes("--")) return null;
  return slug;
}

function slugProblem(value: string): string | null {
  const slug = canonicalServerSlug(value);
  if (slug === null)
    return `Slug must be 1–${MAX_SERVER_SLUG_LENGTH} characters of lowercase letters, digits and single hyphens, not starting or ending with a hyphen.`;
  if (RESERVED_SLUGS.has(slug)) return `"${slug}" is reserved; choose another slug.`;
  return null;
}

function nameOf(value: string, errors: FieldErrors): string {
  const name = cleanLine(value, Number.MAX_SAFE_INTEGER);
  if (name.length === 0) errors.name = ["Enter a name."];
  else if (codePoints(name) > MAX_SERVER_NAME_LENGTH)
    errors.name = [`Name must be at most ${MAX_SERVER_NAME_LENGTH} characters.`];
  return name;
}

function descriptionOf(value: string | null | undefined, errors: FieldErrors): string {
  const description = cleanDescription(value ?? "", Number.MAX_SAFE_INTEGER);
  if (codePoints(description) > MAX_SERVER_DESCRIPTION_LENGTH)
    errors.description = [`Description must be at most ${MAX_SERVER_DESCRIPTION_LENGTH} characters.`];
  return description;
}

function tagsOf(value: readonly string[] | null | undefined, errors: FieldErrors): string[] {
  const tags = [...new Set((value ?? []).map((tag) => tag.normalize("NFKC").trim().toLowerCase()))].filter(
    (tag) => tag !== "",
  );
  const bad = tags.filter((tag) => tag.length > MAX_TAG_LENGTH || !TAG_RE.test(tag));
  if (bad.length > 0)
    errors.tags = [
      `Tags are lowercase letters, digits and hyphens, at most ${MAX_TAG_LENGTH} characters: ${bad
        .map((tag) => `"${cleanLine(tag, 40)}"`)
        .join(", ")} ${bad.length === 1 ? "is" : "are"} not.`,
    ];
  else if (tags.length > MAX_TAGS) errors.tags = [`At most ${MAX_TAGS} tags.`];
  return tags;
}

/** An absolute http(s) URL without credentials, or null for an empty value. */
function linkOf(field: LinkField, value: string | null | undefined, errors: FieldErrors): string | null {
  const trimmed = value?.trim() ?? "";
  if (trimmed === "") return null;
  let url: URL | null = null;
  try {
    url = new URL(trimmed);
  } catch {
    url = null;
  }
  const isHttp =
    url !== null && (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  if (!isHttp || url === null || trimmed.length > MAX_LINK_LENGTH || /\p{Cc}|\s/u.test(trimmed)) {
    errors[field] = [`${LINK_LABELS[field]} must be an absolute http:// or https:// URL.`];
    return null;
  }
  if (url.username || url.password) {
    errors[field] = [`${LINK_LABELS[field]} must not contain a user name or password.`];
    return null;
  }
  return url.toString();
}

function fail(errors: FieldErrors): never {
  const messages = Object.values(errors).flat();
  throw new AppError(
    "BAD_REQUEST",
    messages.length === 1 ? (messages[0] as string) : `Some details are not valid: ${messages.join(" ")}`,
    { details: { fieldErrors: errors } },
  );
}

/** Checks and cleans a complete set of metadata (create, import). Throws BAD_REQUEST naming each field. */
export function checkServerMetadata(input: ServerMetadataInput): ServerMetadata {
  const errors: FieldErrors = {};
  const name = nameOf(input.name, errors);
  const slugError = slugProblem(input.slug);
  if (slugError) errors.slug = [slugError];
  const metadata: ServerMetadata = {
    name,
    slug: canonicalServerSlug(input.slug) ?? "",
    description: descriptionOf(input.description, errors),
    tags: tagsOf(input.tags, errors),
    iconUrl: linkOf("iconUrl", input.iconUrl, errors),
    websiteUrl: linkOf("websiteUrl", input.websiteUrl, errors),
    repositoryUrl: linkOf("repositoryUrl", input.repositoryUrl, errors),
  };
  if (Object.keys(errors).length > 0) fail(errors);
  return metadata;
}

/** Checks the fields present in an update; absent fields stay as they are. */
export function checkServerMetadataPatch(patch: Partial<ServerMetadataInput>): Partial<ServerMetadata> {
  const errors: FieldErrors = {};
  const out: Partial<ServerMetadata> = {};
  if (patch.name !== undefined) out.name = nameOf(patch.name, errors);
  if (patch.slug !== undefined) {
    const slugError = slugProblem(patch.slug);
    if (slugError) errors.slug = [slugError];
    else out.slug = canonicalServerSlug(patch.slug) ?? undefined;
  }
  if (patch.description !== undefined) out.description = descriptionOf(patch.description, errors);
  if (patch.tags !== undefined) out.tags = tagsOf(patch.tags, errors);
  for (const field of LINK_FIELDS) {
    if (patch[field] !== undefined) out[field] = linkOf(field, patch[field], errors);
  }
  if (Object.keys(errors).length > 0) fail(errors);
  return out;
}

export function slugTaken(slug: string): AppError {
  return new AppError("CONFLICT", `The slug "${slug}" is already used by another server; choose another.`, {
    details: { fieldErrors: { slug: [`"${slug}" is already taken.`] } },
  });
}

export async function assertSlugAvailable(db: Db | Tx, slug: string, exceptServerId?: string): Promise<void> {
  const existing = await db.server.findUnique({ where: { slug }, select: { id: true } });
  if (existing && existing.id !== exceptServerId) throw slugTaken(slug);
}

/** `base` if free (and not reserved), else the first free of base-2, base-3, … within 63 characters. */
export async function freeServerSlug(db: Db | Tx, base: string): Promise<string> {
  const stem = base.slice(0, MAX_SERVER_SLUG_LENGTH - 4).replace(/-+$/, "") || "server";
  const taken = new Set(
    (
      await db.server.findMany({
        where: { OR: [{ slug: base }, { slug: { startsWith: `${stem}-` } }] },
        select: { slug: true },
      })
    ).map((server) => server.slug),
  );
  if (!taken.has(base) && !RESERVED_SLUGS.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
