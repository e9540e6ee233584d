import type { Db } from "../../db";
import { PermissionDeniedError } from "../../policy/permissions";
import { isServerAdmin, type ServerActor } from "./server-actor";
import {
  type DiscoveryView,
  discoveryView,
  loadUserRefs,
  USER_REF_SELECT,
  type UserRef,
} from "./server-views";

export type ReviewQueueItem = {
  versionId: string;
  version: string;
  transport: "STREAMABLE_HTTP" | "SSE" | "STDIO";
  url: string | null;
  command: string | null;
  args: string[];
  submittedAt: Date | null;
  /** who created the version (the owner, or an admin acting on their server) */
  submittedBy: UserRef | null;
  server: {
    id: string;
    slug: string;
    name: string;
    scope: "PERSONAL" | "SHARED";
    status: "DRAFT" | "PENDING_APPROVAL" | "APPROVED" | "REJECTED" | "RETIRED";
    approvedVersion: { id: string; version: string } | null;
  };
  owner: UserRef;
  /** true when the server already serves an approved version and this one would replace it */
  isUpdate: boolean;
  discovery: DiscoveryView;
};

/** Versions waiting for an admin's decision, oldest submission first (server.manage_all). */
export async function listReviewQueue(options: { db: Db; actor: ServerActor }): Promise<ReviewQueueItem[]> {
  if (!isServerAdmin(options.actor)) throw new PermissionDeniedError("server.manage_all");
  const versions = await options.db.serverVersion.findMany({
    where: { status: "PENDING_APPROVAL", server: { status: { not: "RETIRED" } } },
    include: {
      server: {
        include: {
          owner: { select: USER_REF_SELECT },
          approvedVersion: { select: { id: true, version: true } },
        },
      },
    },
    orderBy: [{ submittedAt: "asc" }, { id: "asc" }],
    take: 500,
  });
  const users = await loadUserRefs(
    options.db,
    versions.map((version) => version.createdById),
  );
  return versions.map((version) => ({
    versionId: version.id,
    version: version.version,
    transport: version.transport,
    url: version.url,
    command: version.command,
    args: version.args,
    submittedAt: version.submittedAt,
    submittedBy: version.createdById ? (users.get(version.createdById) ?? null) : null,
    server: {
      id: version.server.id,
      slug: version.server.slug,
      name: version.server.name,
      scope: version.server.scope,
      status: version.server.status,
      approvedVersion: version.server.approvedVersion,
    },
    owner: version.server.owner,
    isUpdate: version.server.approvedVersion !== null,
    discovery: discoveryView(version, version.server),
  }));
}
