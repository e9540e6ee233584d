import type { Db, Prisma, Tx } from "../../db";
import { AppError } from "../../errors";
import { type Actor, can, PermissionDeniedError } from "../../policy/permissions";
import { bumpGlobalAccessEpoch } from "../access/access-epochs";
import { byName } from "../teams/team-row";

/**
 * Shared shapes and lookups of the registry services. Who may manage a registry: its owner (the
 * person who created it) while they hold registry.manage_own, and anyone with registry.manage_all.
 * Everyone else is told it does not exist (X6), never that it is someone else's.
 */
export type RegistryActor = Actor & { id: string };

export const REGISTRY_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Names of tools offered by an upstream we have not discovered yet (no cached capabilities). */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_./-]{1,128}$/;

export type RegistryOwner = { id: string; name: string | null; email: string };

export type RegistryRow = {
  id: string;
  slug: string;
  name: string;
  description: string;
  owner: RegistryOwner;
  subjectCount: number;
  serverCount: number;
  /** a few subjects and servers, for a card that says at a glance what the registry does */
  subjectPreview: { id: string; kind: "USER" | "TEAM" | "EVERYONE"; label: string }[];
  serverPreview: { id: string; name: string }[];
  createdAt: Date;
  updatedAt: Date;
};

export type RegistrySubjectRow =
  | { id: string; kind: "EVERYONE"; addedAt: Date }
  | {
      id: string;
      kind: "USER";
      addedAt: Date;
      user: { id: string; name: string | null; email: string; status: "ACTIVE" | "DEACTIVATED" };
    }
  | {
      id: string;
      kind: "TEAM";
      addedAt: Date;
      team: { id: string; name: string; slug: string; memberCount: number };
    };

export type RegistryServerRow = {
  serverId: string;
  slug: string;
  name: string;
  scope: "PERSONAL" | "SHARED";
  status: "DRAFT" | "PENDING_APPROVAL" | "APPROVED" | "REJECTED" | "RETIRED";
  /** false when the server is no longer approved and shared: the grant then gives nothing */
  isEffective: boolean;
  /** empty = every tool */
  allowedTools: string[];
  /** the tool names of the approved version, null when they have not been discovered yet */
  knownTools: { name: string; description: string | null }[] | null;
  /** may this actor widen the allow-list (add tools, allow all)? Otherwise only narrowing */
  canWiden: boolean;
  grantedAt: Date;
};

export type RegistryDetail = Omit<RegistryRow, "subjectPreview" | "serverPreview"> & {
  subjects: RegistrySubjectRow[];
  servers: RegistryServerRow[];
};

const PREVIEW_SIZE = 4;

export const REGISTRY_ROW_SELECT = {
  id: true,
  slug: true,
  name: true,
  description: true,
  createdAt: true,
  updatedAt: true,
  owner: { select: { id: true, name: true, email: true } },
  subjects: {
    select: {
      id: true,
      kind: true,
      user: { select: { name: true, email: true } },
      team: { select: { name: true } },
    },
    orderBy: { createdAt: "asc" },
  },
  servers: { select: { server: { select: { id: true, name: true } } }, orderBy: { createdAt: "asc" } },
} satisfies Prisma.RegistrySelect;

type SelectedRegistry = Prisma.RegistryGetPayload<{ select: typeof REGISTRY_ROW_SELECT }>;

export function subjectLabel(subject: {
  kind: "USER" | "TEAM" | "EVERYONE";
  user: { name: string | null; email: string } | null;
  team: { name: string } | null;
}): string {
  if (subject.kind === "EVERYONE") return "Everyone";
  if (subject.kind === "TEAM") return subject.team?.name ?? "Team";
  return subject.user?.name?.trim() || subject.user?.email || "User";
}

export function toRegistryRow(registry: SelectedRegistry): RegistryRow {
  // Everyone first: it says the most about who the registry reaches.
  const subjects = [...registry.subjects].sort(
    (a, b) => Number(b.kind === "EVERYONE") - Number(a.kind === "EVERYONE"),
  );
  return {
    id: registry.id,
    slug: registry.slug,
    name: registry.name,
    description: registry.description,
    owner: registry.owner,
    subjectCount: registry.subjects.length,
    serverCount: registry.servers.length,
    subjectPreview: subjects
      .slice(0, PREVIEW_SIZE)
      .map((subject) => ({ id: subject.id, kind: subject.kind, label: subjectLabel(subject) })),
    serverPreview: registry.servers
      .map((entry) => entry.server)
      .sort((a, b) => byName(a.name, b.name))
      .slice(0, PREVIEW_SIZE),
    createdAt: registry.createdAt,
    updatedAt: registry.updatedAt,
  };
}

export function registryNotFound(): AppError {
  return new AppError(
    "NOT_FOUND",
    "This registry does not exist (any more), or you do not manage it. Reload the list and try again.",
  );
}

export function mayManageAll(actor: RegistryActor): boolean {
  return can(actor, "registry.manage_all");
}

/** Refuses actors without registry.manage_own (Basic and Power users). */
export function assertMayManageRegistries(actor: RegistryActor): void {
  if (!can(actor, "registry.manage_own")) throw new PermissionDeniedError("registry.manage_own");
}

/** The registries this actor manages: all for registry.manage_all, else the ones they own. */
export function managedRegistryWhere(actor: RegistryActor): Prisma.RegistryWhereInput {
  assertMayManageRegistries(actor);
  return mayManageAll(actor) ? {} : { ownerId: actor.id };
}

/**
 * Locks the registry row for the rest of the transaction, so concurrent changes to one registry
 * (two "add everyone" clicks, a delete racing a grant) run one after the other; then checks the
 * actor manages it. Another person's registry is NOT_FOUND.
 */
export async function lockManagedRegistry(
  tx: Tx,
  actor: RegistryActor,
  registryId: string,
): Promise<{ id: string; slug: string; name: string; description: string; ownerId: string }> {
  const where = managedRegistryWhere(actor);
  await tx.$queryRaw`SELECT id FROM "Registry" WHERE id = ${registryId}::uuid FOR UPDATE`;
  const registry = await tx.registry.findFirst({
    where: { ...where, id: registryId },
    select: { id: true, slug: true, name: true, description: true, ownerId: true },
  });
  if (!registry) throw registryNotFound();
  return registry;
}

/**
 * Slugs are compared in one canonical form (X3): NFKC (full-width and compatibility look-alikes
 * fold to ASCII), trimmed, lowercased. Anything that is then not a plain slug is null.
 */
export function canonicalRegistrySlug(value: string): string | null {
  const slug = value.normalize("NFKC").trim().toLowerCase();
  return REGISTRY_SLUG_PATTERN.test(slug) ? slug : null;
}

/** Tool names (and descriptions) from ServerVersion.capabilities; null when nothing was discovered. */
export function knownToolsOf(capabilities: unknown): { name: string; description: string | null }[] | null {
  if (!capabilities || typeof capabilities !== "object" || !("tools" in capabilities)) return null;
  const tools = (capabilities as { tools: unknown }).tools;
  if (!Array.isArray(tools)) return null;
  const seen = new Map<string, string | null>();
  for (const tool of tools) {
    if (!tool || typeof tool !== "object") continue;
    const { name, description } = tool as { name?: unknown; description?: unknown };
    if (typeof name !== "string" || name.length === 0 || seen.has(name)) continue;
    seen.set(name, typeof description === "string" ? description : null);
  }
  return [...seen]
    .map(([name, description]) => ({ name, description }))
    .sort((a, b) => byName(a.name, b.name));
}

/**
 * Only Admins share any approved server; other registry owners share the servers they published.
 * Otherwise a Power user+ could hand themselves (or everyone) a server an Admin meant for one team.
 */
export function mayGrantServer(actor: RegistryActor, server: { ownerId: string }): boolean {
  return mayManageAll(actor) || server.ownerId === actor.id;
}

const SERVER_ENTRY_SELECT = {
  allowedTools: true,
  createdAt: true,
  server: {
    select: {
      id: true,
      slug: true,
      name: true,
      scope: true,
      status: true,
      ownerId: true,
      approvedVersion: { select: { capabilities: true } },
    },
  },
} satisfies Prisma.RegistryServerSelect;

/** The registry as its page shows it: who it grants, which servers, which tools. */
export async function findRegistryDetail(
  db: Db | Tx,
  actor: RegistryActor,
  registryId: string,
): Promise<RegistryDetail> {
  const registry = await db.registry.findFirst({
    where: { ...managedRegistryWhere(actor), id: registryId },
    select: {
      id: true,
      slug: true,
      name: true,
      description: true,
      createdAt: true,
      updatedAt: true,
      owner: { select: { id: true, name: true, email: true } },
      subjects: {
        select: {
          id: true,
          kind: true,
          createdAt: true,
          user: { select: { id: true, name: true, email: true, status: true } },
          team: { select: { id: true, name: true, slug: true, _count: { select: { members: true } } } },
        },
      },
      servers: { select: SERVER_ENTRY_SELECT },
    },
  });
  if (!registry) throw registryNotFound();

  const subjects: RegistrySubjectRow[] = [];
  for (const subject of registry.subjects) {
    if (subject.kind === "EVERYONE")
      subjects.push({ id: subject.id, kind: "EVERYONE", addedAt: subject.createdAt });
    else if (subject.kind === "USER" && subject.user)
      subjects.push({ id: subject.id, kind: "USER", addedAt: subject.createdAt, user: subject.user });
    else if (subject.kind === "TEAM" && subject.team)
      subjects.push({
        id: subject.id,
        kind: "TEAM",
        addedAt: subject.createdAt,
        team: {
          id: subject.team.id,
          name: subject.team.name,
          slug: subject.team.slug,
          memberCount: subject.team._count.members,
        },
      });
  }
  const kindOrder = { EVERYONE: 0, TEAM: 1, USER: 2 } as const;
  subjects.sort((a, b) => kindOrder[a.kind] - kindOrder[b.kind] || byName(subjectName(a), subjectName(b)));

  return {
    id: registry.id,
    slug: registry.slug,
    name: registry.name,
    description: registry.description,
    owner: registry.owner,
    subjectCount: subjects.length,
    serverCount: registry.servers.length,
    createdAt: registry.createdAt,
    updatedAt: registry.updatedAt,
    subjects,
    servers: registry.servers
      .map(({ server, allowedTools, createdAt }) => ({
        serverId: server.id,
        slug: server.slug,
        name: server.name,
        scope: server.scope,
        status: server.status,
        isEffective: server.scope === "SHARED" && server.status === "APPROVED",
        allowedTools: [...allowedTools].sort(byName),
        knownTools: knownToolsOf(server.approvedVersion?.capabilities),
        canWiden: mayGrantServer(actor, server),
        grantedAt: createdAt,
      }))
      .sort((a, b) => byName(a.name, b.name) || byName(a.slug, b.slug)),
  };
}

function subjectName(subject: RegistrySubjectRow): string {
  if (subject.kind === "EVERYONE") return "";
  if (subject.kind === "TEAM") return subject.team.name;
  return subject.user.name?.trim() || subject.user.email;
}

export function registryServerMissing(): AppError {
  return new AppError("NOT_FOUND", "This server is no longer in the registry. Reload the page.");
}

/**
 * Runs one change to a registry (and its audit event) in a transaction that returns the registry's
 * id, then reads the registry as its page shows it. The read runs after the commit, on the pool:
 * Prisma loads nested relations with concurrent queries, which one transaction's connection
 * cannot run at once.
 */
export async function changeRegistry(
  db: Db,
  actor: RegistryActor,
  change: (tx: Tx) => Promise<string>,
): Promise<RegistryDetail> {
  const registryId = await db.$transaction(change);
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpGlobalAccessEpoch();
  return findRegistryDetail(db, actor, registryId);
}
