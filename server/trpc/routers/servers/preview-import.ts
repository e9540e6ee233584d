import { z } from "zod";
import { previewImport as preview } from "../../../services/servers/preview-import";
import { actorFromUser } from "../../../services/servers/server-actor";
import { permissionProcedure } from "../../init";
import { IMPORT_DOCUMENT, IMPORT_URL } from "./fields";

/**
 * servers.previewImport: parses a server.json given as text ({ document }) or fetched ({ url }, SSRF
 * guarded, 10 s, 256 KiB). Returns { ok: true, server: ImportedServer (versions = importable
 * variants), suggestedSlug, alreadyImported } or { ok: false, errors: string[] }. Creates nothing.
 */
export const previewImport = permissionProcedure("server.publish_personal")
  .input(z.union([z.object({ document: IMPORT_DOCUMENT }).strict(), z.object({ url: IMPORT_URL }).strict()]))
  .mutation(({ ctx, input }) =>
    preview({ db: ctx.db(), actor: actorFromUser(ctx.session.user), source: input }),
  );
