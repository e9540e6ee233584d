import { z } from "zod";
import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import { type Actor, assertCan, can } from "../../policy/permissions";
import { bumpUserAccessEpochs } from "../access/access-epochs";
import { API_TOKEN_PREFIX, isKeyId } from "./api-token-format";
import { publishTokenRevoked, type TokenRevokedMessage } from "./token-revocation-events";

/**
 * Revokes a personal API token: its owner may, and so may whoever holds `token.revoke_any`
 * (Admins, Owners, the CLI operator). To anyone else another user's token does not exist (X6).
 * Revoking twice is harmless: the first revocation time stays and nothing new is audited.
 *
 * Effect: authenticateApiToken reads the database on every request, so the token fails on the
 * next request at every app instance; after the commit a Redis message tells instances to close
 * streams the token still holds open.
 */
export type TokenActor = Actor & { id: string };

export type TokenRef = { tokenId: string } | { keyId: string };

export type RevokedApiToken = {
  id: string;
  keyId: string;
  name: string;
  ownerId: string;
  revokedAt: Date;
  /** false when it had been revoked already (nothing changed) */
  isNewlyRevoked: boolean;
  /** whether the revocation reached Redis for open streams (always true when nothing changed) */
  isBroadcast: boolean;
};

const NOT_FOUND_MESSAGE = "This token doesn't exist or isn't yours.";
const UUID = z.uuid();

/**
 * The key id in whatever form a person pastes it: `abcdefgh2345`, `gh_abcdefgh2345`,
 * `gh_abcdefgh2345_…` or the whole token. Null when it is none of these.
 */
export function canonicalKeyId(value: string): string | null {
  let text = value.normalize("NFKC").trim().toLowerCase();
  if (text.startsWith(API_TOKEN_PREFIX)) text = text.slice(API_TOKEN_PREFIX.length);
  const keyId = text.slice(0, 12);
  const rest = text.slice(12);
  if (rest !== "" && !rest.startsWith("_")) return null;
  return isKeyId(keyId) ? keyId : null;
}

function whereFor(ref: TokenRef): { id: string } | { keyId: string } {
  if ("tokenId" in ref) {
    const id = ref.tokenId.trim().toLowerCase();
    if (!UUID.safeParse(id).success) throw new AppError("NOT_FOUND", NOT_FOUND_MESSAGE);
    return { id };
  }
  const keyId = canonicalKeyId(ref.keyId);
  if (keyId === null) throw new AppError("NOT_FOUND", NOT_FOUND_MESSAGE);
  return { keyId };
}

export async function revokeApiToken(options: {
  db: Db;
  actor: TokenActor;
  token: TokenRef;
  context: AuditContext;
  now?: Date;
  /** where the revocation is broadcast; tests replace it */
  publish?: (message: TokenRevokedMessage) => Promise<boolean>;
}): Promise<RevokedApiToken> {
  const now = options.now ?? new Date();
  const { actor } = options;
  const where = whereFor(options.token);

  const result = await options.db.$transaction(async (tx) => {
    const token = await tx.apiToken.findUnique({
      where,
      select: {
        id: true,
        keyId: true,
        name: true,
        userId: true,
        revokedAt: true,
        user: { select: { email: true } },
      },
    });
    const isOwn = token?.userId === actor.id;
    if (!token || (!isOwn && !can(actor, "token.revoke_any")))
      throw new AppError("NOT_FOUND", NOT_FOUND_MESSAGE);
    if (isOwn) assertCan(actor, "token.manage_own");

    const base = { id: token.id, keyId: token.keyId, name: token.name, ownerId: token.userId };
    if (token.revokedAt !== null) return { ...base, revokedAt: token.revokedAt, isNewlyRevoked: false };

    // Conditional on "not revoked yet", so two concurrent revocations audit once.
    const { count } = await tx.apiToken.updateMany({
      where: { id: token.id, revokedAt: null },
      data: { revokedAt: now },
    });
    if (count === 0) {
      const current = await tx.apiToken.findUniqueOrThrow({
        where: { id: token.id },
        select: { revokedAt: true },
      });
      return { ...base, revokedAt: current.revokedAt ?? now, isNewlyRevoked: false };
    }
    await recordAudit(tx, options.context, {
      action: "token.revoke",
      targetType: "api_token",
      targetId: token.id,
      metadata: {
        keyId: token.keyId,
        name: token.name,
        ownerUserId: token.userId,
        ownerEmail: token.user.email,
        revokedBy: isOwn ? "owner" : options.context.actorUserId ? "admin" : "operator",
      },
    });
    return { ...base, revokedAt: now, isNewlyRevoked: true };
  });

  // After the commit: the proxy's cached credential is verified again on its next request.
  if (result.isNewlyRevoked) await bumpUserAccessEpochs(result.ownerId);
  if (!result.isNewlyRevoked) return { ...result, isBroadcast: true };
  const publish = options.publish ?? publishTokenRevoked;
  const isBroadcast = await publish({
    tokenId: result.id,
    userId: result.ownerId,
    reason: "revoked",
    revokedAt: result.revokedAt.toISOString(),
  });
  return { ...result, isBroadcast };
}
