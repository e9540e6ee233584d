import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { PLATFORM_ROLES } from "../../../policy/permissions";
import { setUserRole } from "../../../services/users/set-user-role";
import { permissionProcedure } from "../../init";

export const setRole = permissionProcedure("user.set_role")
  .input(z.object({ userId: z.uuid(), role: z.enum(PLATFORM_ROLES) }).strict())
  .mutation(({ ctx, input }) =>
    setUserRole({
      db: ctx.db(),
      actorId: ctx.session.user.id,
      userId: input.userId,
      role: input.role,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
