import type { AuditContext, AuditInput } from "../../audit/record";
import { recordAudit } from "../../audit/record";
import type { Db, Tx } from "../../db";
import { can, type Permission, PermissionDeniedError, type PlatformRole } from "../../policy/permissions";

/**
 * Who acts on a catalog entry. A signed-in user, or the operator at the `gatehouse` command line
 * (`userId: null`): whoever can run the CLI already holds the database and the keys, so it acts
 * with an Owner's authority, and its audit rows have no actor user and say `via: "cli"`.
 */
export type ServerActor = {
  userId: string | null;
  role: PlatformRole;
  isAuditor: boolean;
  status: "ACTIVE" | "DEACTIVATED";
};

export const OPERATOR_SERVER_ACTOR: ServerActor = {
  userId: null,
  role: "OWNER",
  isAuditor: false,
  status: "ACTIVE",
};

export function actorFromUser(user: {
  id: string;
  role: PlatformRole;
  isAuditor: boolean;
  status: "ACTIVE" | "DEACTIVATED";
}): ServerActor {
  return { userId: user.id, role: user.role, isAuditor: user.isAuditor, status: user.status };
}

export function isServerAdmin(actor: ServerActor): boolean {
  return can(actor, "server.manage_all");
}

/** Extra audit metadata saying where a change came from (only the CLI is marked). */
export function viaOf(actor: ServerActor): { via?: "cli" } {
  return actor.userId === null ? { via: "cli" } : {};
}

/**
 * Refuses with the permission's own message and leaves a DENIED audit row: procedures check the
 * coarse permission, services the one that depends on the input (a shared scope, say), and an
 * attempt past the UI is worth seeing either way.
 */
export async function assertActorCan(
  db: Db | Tx,
  actor: ServerActor,
  permission: Permission,
  context: AuditContext,
  audit: Pick<AuditInput, "action" | "targetType" | "targetId" | "serverId">,
): Promise<void> {
  if (can(actor, permission)) return;
  await recordAudit(db, context, {
    ...audit,
    outcome: "DENIED",
    reason: `missing permission ${permission}`,
    metadata: { role: actor.role },
  });
  throw new PermissionDeniedError(permission);
}
