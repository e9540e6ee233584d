import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { importServer } from "../../../services/servers/import-server";
import { actorFromUser } from "../../../services/servers/server-actor";
import { permissionProcedure } from "../../init";
import { IMPORT_DOCUMENT, IMPORT_URL, SCOPE } from "./fields";

const CHOICE = { variantIndex: z.number().int().min(0).max(100), scope: SCOPE };

/**
 * servers.import: creates a DRAFT from one variant of a server.json ({ document } or { url }, as in
 * previewImport, plus variantIndex and scope). The slug gets a suffix when taken; a registry name
 * already in the catalog is a CONFLICT. Returns the ManagedServerDetail.
 */
// `import` is a reserved word, so the export is renamed where the router is assembled.
export const importProcedure = permissionProcedure("server.publish_personal")
  .input(
    z.union([
      z.object({ document: IMPORT_DOCUMENT, ...CHOICE }).strict(),
      z.object({ url: IMPORT_URL, ...CHOICE }).strict(),
    ]),
  )
  .mutation(({ ctx, input }) =>
    importServer({
      db: ctx.db(),
      actor: actorFromUser(ctx.session.user),
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
      source: "document" in input ? { document: input.document } : { url: input.url },
      variantIndex: input.variantIndex,
      scope: input.scope,
    }),
  );
