import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { PLATFORM_ROLES } from "../../../policy/permissions";
import { createInvitation, DEFAULT_INVITATION_DAYS } from "../../../services/invitations/create-invitation";
import { permissionProcedure } from "../../init";

export const create = permissionProcedure("user.invite")
  .input(
    z
      .object({
        email: z.string().trim().toLowerCase().pipe(z.email().max(320)),
        role: z.enum(PLATFORM_ROLES).default("BASIC_USER"),
        expiresInDays: z.number().int().min(1).max(30).default(DEFAULT_INVITATION_DAYS),
      })
      .strict(),
  )
  .mutation(({ ctx, input }) =>
    createInvitation({
      db: ctx.db(),
      actorId: ctx.session.user.id,
      email: input.email,
      role: input.role,
      expiresInDays: input.expiresInDays,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
