import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { appKeyring } from "../../../crypto/keyring";
import {
  AUDIT_KINDS,
  AUDIT_OUTCOMES,
  AUDIT_PERIODS,
  listAuditEvents,
} from "../../../services/audit/list-audit-events";
import { readAuditBodies } from "../../../services/audit/read-audit-bodies";
import { createTrpcRouter, permissionProcedure } from "../../init";

const list = permissionProcedure(["audit.read_metadata", "audit.read_own_servers"])
  .input(
    z
      .object({
        kind: z.enum(AUDIT_KINDS).optional(),
        outcome: z.enum(AUDIT_OUTCOMES).optional(),
        userId: z.string().max(100).optional(),
        tokenId: z.string().max(100).optional(),
        serverId: z.string().max(100).optional(),
        connectionId: z.string().max(100).optional(),
        sessionId: z.string().max(200).optional(),
        period: z.enum(AUDIT_PERIODS).optional(),
        search: z.string().max(200).optional(),
        cursor: z.string().max(100).nullish(),
        limit: z.number().int().min(1).max(200).optional(),
        // Sent by infinite queries; pages only go forward.
        direction: z.enum(["forward", "backward"]).optional(),
      })
      .strict(),
  )
  .query(({ ctx, input }) =>
    listAuditEvents({
      db: ctx.db(),
      actor: ctx.session.user,
      filters: input,
      cursor: input.cursor ?? undefined,
      limit: input.limit,
    }),
  );

const bodies = permissionProcedure("audit.read_bodies")
  .input(z.object({ eventId: z.uuid() }).strict())
  .mutation(({ ctx, input }) =>
    readAuditBodies({
      db: ctx.db(),
      keyring: appKeyring(),
      actor: ctx.session.user,
      eventId: input.eventId,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );

export const auditRouter = createTrpcRouter({ list, bodies });
