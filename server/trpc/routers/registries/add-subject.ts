import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { addRegistrySubject } from "../../../services/registries/add-registry-subject";
import { permissionProcedure } from "../../init";

const SUBJECT = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("USER"), userId: z.uuid() }).strict(),
  z.object({ kind: z.literal("TEAM"), teamId: z.uuid() }).strict(),
  z.object({ kind: z.literal("EVERYONE") }).strict(),
]);

export const addSubject = permissionProcedure("registry.manage_own")
  .input(z.object({ registryId: z.uuid(), subject: SUBJECT }).strict())
  .mutation(({ ctx, input }) =>
    addRegistrySubject({
      db: ctx.db(),
      actor: ctx.session.user,
      registryId: input.registryId,
      subject: input.subject,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
