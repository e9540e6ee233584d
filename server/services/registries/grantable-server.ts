import type { Tx } from "../../db";
import { AppError } from "../../errors";
import { mayGrantServer, mayManageAll, type RegistryActor } from "./registry-row";

const STATUS_LABELS = {
  DRAFT: "a draft",
  PENDING_APPROVAL: "waiting for approval",
  APPROVED: "approved",
  REJECTED: "rejected",
  RETIRED: "retired",
} as const;

export const GRANTABLE_SERVER_SELECT = {
  id: true,
  slug: true,
  name: true,
  scope: true,
  status: true,
  ownerId: true,
  approvedVersion: { select: { capabilities: true } },
} as const;

/**
 * The server `actor` may add to a registry: shared and approved, and (unless they manage every
 * registry) published by them. Someone else's server is NOT_FOUND to a non-Admin (X6), so the
 * answer never says that a server they cannot see exists.
 */
export async function findGrantableServer(tx: Tx, actor: RegistryActor, serverId: string) {
  const server = await tx.server.findUnique({ where: { id: serverId }, select: GRANTABLE_SERVER_SELECT });
  if (!server || !mayGrantServer(actor, server)) {
    throw new AppError(
      "NOT_FOUND",
      mayManageAll(actor)
        ? "This server does not exist (any more)."
        : "You have no server with this id to share. You can share servers you published once an administrator approved them for shared use.",
      { details: { field: "serverId" } },
    );
  }
  if (server.scope === "PERSONAL") {
    throw new AppError(
      "BAD_REQUEST",
      `${server.name} is a personal server: only its owner can use it. Submit it for shared use (and have it approved) before granting it.`,
      { details: { field: "serverId" } },
    );
  }
  if (server.status !== "APPROVED") {
    throw new AppError(
      "BAD_REQUEST",
      `${server.name} is ${STATUS_LABELS[server.status]}. Only approved servers can be granted.`,
      { details: { field: "serverId" } },
    );
  }
  return server;
}
