import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db, Tx } from "../../db";
import { bumpGlobalAccessEpoch } from "../access/access-epochs";
import { createAdmittedUser, decideAdmission } from "./admit-user";
import { normalizeEmail } from "./password-sign-in";

/**
 * Sign-in through an identity provider (generic OIDC, GitHub, Google). Finds the account by the
 * provider's subject; a new person is admitted by the sign-up rules. An existing Gatehouse user
 * with the same email is never linked automatically (an IdP that lets anyone claim any email
 * would otherwise take over accounts): they sign in the way they did before.
 */
export type ExternalIdentity = {
  provider: string;
  providerAccountId: string;
  email: string | null | undefined;
  emailVerified: boolean;
  name: string | null | undefined;
  image?: string | null;
  /** group claim values, for providers that send them (OIDC); undefined = do not sync */
  groups?: string[];
};

export type ExternalSignInResult =
  | { ok: true; userId: string; created: boolean }
  | { ok: false; reason: "deactivated" | "invite-only" | "sign-up-off" | "email-missing" | "email-in-use" };

export async function externalSignIn(options: {
  db: Db;
  identity: ExternalIdentity;
  adminEmail?: string;
  context: AuditContext;
  now?: Date;
}): Promise<ExternalSignInResult> {
  const { db, identity, context } = options;
  const now = options.now ?? new Date();
  const result = await db.$transaction(async (tx): Promise<ExternalSignInResult> => {
    const account = await tx.account.findUnique({
      where: {
        provider_providerAccountId: {
          provider: identity.provider,
          providerAccountId: identity.providerAccountId,
        },
      },
      include: { user: { select: { id: true, status: true } } },
    });
    if (account) {
      if (account.user.status !== "ACTIVE") return { ok: false, reason: "deactivated" };
      if (identity.groups)
        await syncIdpTeams(tx, { userId: account.user.id, groups: identity.groups, context });
      return { ok: true, userId: account.user.id, created: false };
    }
    if (!identity.email || !identity.emailVerified) return { ok: false, reason: "email-missing" };
    const email = normalizeEmail(identity.email);
    if (await tx.user.findUnique({ where: { email }, select: { id: true } }))
      return { ok: false, reason: "email-in-use" };

    const admission = await decideAdmission(tx, { email, adminEmail: options.adminEmail, now });
    if (!admission.ok) return admission;
    const userId = await createAdmittedUser(tx, {
      email,
      name: identity.name ?? null,
      image: identity.image ?? null,
      admission,
      method: identity.provider,
      context,
      now,
    });
    await tx.account.create({
      data: {
        userId,
        type: "oidc",
        provider: identity.provider,
        providerAccountId: identity.providerAccountId,
      },
    });
    if (identity.groups) await syncIdpTeams(tx, { userId, groups: identity.groups, context });
    return { ok: true, userId, created: true };
  });
  // After the commit: IdP team sync may have changed memberships, hence access (MCP policy caches).
  if (result.ok && identity.groups) await bumpGlobalAccessEpoch();
  if (!result.ok) {
    await recordAudit(db, context, {
      action: "auth.signin.failed",
      outcome: "DENIED",
      reason: result.reason,
      metadata: { method: identity.provider, email: identity.email ?? null },
    });
  }
  return result;
}

/**
 * Makes the user's IdP-sourced team memberships match the group claim exactly: teams synced from a
 * group (Team.externalId) are joined when the group is present and left when it is gone. Manual
 * memberships are never touched.
 */
export async function syncIdpTeams(
  tx: Tx,
  options: { userId: string; groups: string[]; context: AuditContext },
) {
  const groups = [
    ...new Set(options.groups.filter((group) => typeof group === "string" && group.length > 0)),
  ];
  const [wanted, current] = await Promise.all([
    tx.team.findMany({
      where: { source: "IDP", externalId: { in: groups } },
      select: { id: true, name: true },
    }),
    tx.teamMember.findMany({
      where: { userId: options.userId, source: "IDP" },
      select: { teamId: true, team: { select: { name: true } } },
    }),
  ]);
  const wantedIds = new Set(wanted.map((team) => team.id));
  const currentIds = new Set(current.map((member) => member.teamId));
  const existingManual = await tx.teamMember.findMany({
    where: { userId: options.userId, source: "MANUAL", teamId: { in: [...wantedIds] } },
    select: { teamId: true },
  });
  const manualIds = new Set(existingManual.map((member) => member.teamId));

  for (const team of wanted.filter(
    (candidate) => !currentIds.has(candidate.id) && !manualIds.has(candidate.id),
  )) {
    await tx.teamMember.create({ data: { teamId: team.id, userId: options.userId, source: "IDP" } });
    await recordAudit(tx, options.context, {
      action: "team.member.add",
      targetType: "team",
      targetId: team.id,
      metadata: { userId: options.userId, team: team.name, source: "idp-sync" },
    });
  }
  for (const member of current.filter((candidate) => !wantedIds.has(candidate.teamId))) {
    await tx.teamMember.delete({
      where: { teamId_userId: { teamId: member.teamId, userId: options.userId } },
    });
    await recordAudit(tx, options.context, {
      action: "team.member.remove",
      targetType: "team",
      targetId: member.teamId,
      metadata: { userId: options.userId, team: member.team.name, source: "idp-sync" },
    });
  }
}
