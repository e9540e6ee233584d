import type { AuditContext } from "../../audit/record";
import type { Db, Tx } from "../../db";
import type { Server } from "../../db/generated/client";
import { AppError } from "../../errors";
import { assertActorCan, isServerAdmin, type ServerActor } from "./server-actor";

/**
 * Finding a catalog entry someone may manage: its owner, or anyone holding server.manage_all.
 * Everyone else gets the same NOT_FOUND as for an id that does not exist (X6: no existence leak).
 */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function serverNotFound(): AppError {
  return new AppError("NOT_FOUND", "This server does not exist, or you cannot manage it.");
}

/** Lower-cased uuid, or null for anything that is not one (X3: canonical before lookup). */
export function canonicalId(value: string): string | null {
  const id = value.trim().toLowerCase();
  return UUID_RE.test(id) ? id : null;
}

export function canManage(actor: ServerActor, server: Pick<Server, "ownerId">): boolean {
  return isServerAdmin(actor) || (actor.userId !== null && server.ownerId === actor.userId);
}

/** The permission each scope needs, to create it and to publish into it. */
export const SCOPE_PERMISSION = {
  PERSONAL: "server.publish_personal",
  SHARED: "server.submit_shared",
} as const;

/**
 * The server an actor is about to change: one they manage (else NOT_FOUND) in a scope whose
 * permission they still hold (else FORBIDDEN, audited as DENIED as `action`). Read outside the
 * change's transaction, so the DENIED row survives the refusal; the change then locks the row
 * (lockManagedServer).
 */
export async function serverToChange(
  db: Db,
  actor: ServerActor,
  context: AuditContext,
  serverId: string,
  action: string,
): Promise<Server> {
  const id = canonicalId(serverId);
  const server = id ? await db.server.findUnique({ where: { id } }) : null;
  if (!server || !canManage(actor, server)) throw serverNotFound();
  await assertActorCan(db, actor, SCOPE_PERMISSION[server.scope], context, {
    action,
    targetType: "server",
    targetId: server.id,
    serverId: server.id,
  });
  return server;
}

/**
 * Locks the server row for the rest of the transaction (so two reviewers, or a review and a new
 * version, are serialised) and returns it when `actor` may manage it.
 */
export async function lockManagedServer(tx: Tx, actor: ServerActor, serverId: string): Promise<Server> {
  const id = canonicalId(serverId);
  if (id === null) throw serverNotFound();
  await tx.$queryRaw`SELECT id FROM "Server" WHERE id = ${id}::uuid FOR UPDATE`;
  const server = await tx.server.findUnique({ where: { id } });
  if (!server || !canManage(actor, server)) throw serverNotFound();
  return server;
}

export function assertNotRetired(server: Pick<Server, "status" | "name">): void {
  if (server.status === "RETIRED")
    throw new AppError("CONFLICT", `"${server.name}" is retired; retired servers cannot be changed.`);
}
