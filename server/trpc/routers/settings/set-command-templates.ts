import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { setCommandTemplates as writeCommandTemplates } from "../../../services/settings/command-templates";
import { permissionProcedure } from "../../init";

/**
 * settings.setCommandTemplates: replaces the stdio allow-list (audited with before/after). Each
 * template: id (lowercase, ≤ 32), label, a bare executable name, args using {package} (and usually
 * {version}). Returns { templates }.
 */
export const setCommandTemplates = permissionProcedure("settings.manage")
  .input(
    z
      .object({
        templates: z
          .array(
            z
              .object({
                id: z.string().max(100),
                label: z.string().max(200),
                command: z.string().max(200),
                args: z.array(z.string().max(400)).max(40),
              })
              .strict(),
          )
          .max(20),
      })
      .strict(),
  )
  .mutation(async ({ ctx, input }) => ({
    templates: await writeCommandTemplates({
      db: ctx.db(),
      templates: input.templates,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  }));
