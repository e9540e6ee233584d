import type { AuditContext } from "../../audit/record";
import type { Db } from "../../db";
import { AppError } from "../../errors";
import type { Resolver } from "../../security/outbound-url";
import { createServer, type ServerScope } from "./create-server";
import { type ImportSource, importBaseSlug, loadServerJson } from "./preview-import";
import type { ServerActor } from "./server-actor";
import type { ManagedServerDetail } from "./server-views";

/**
 * Imports one variant (a remote or a package) of a server.json as a DRAFT through the same rules as
 * createServer: imports always land as drafts, so the publisher reviews the configuration and sets
 * shared values before submitting. The registry name is kept; a taken slug gets a -2, -3 … suffix.
 */
export async function importServer(options: {
  db: Db;
  actor: ServerActor;
  context: AuditContext;
  source: ImportSource;
  /** index into the preview's `server.versions` */
  variantIndex: number;
  scope: ServerScope;
  resolver?: Resolver;
}): Promise<ManagedServerDetail> {
  const parsed = await loadServerJson(options.db, options.source, options.actor);
  if (!parsed.ok) {
    throw new AppError("BAD_REQUEST", `This server.json cannot be imported: ${parsed.errors.join("; ")}`, {
      details: { errors: parsed.errors },
    });
  }
  const imported = parsed.server;
  const variant = imported.versions[options.variantIndex];
  if (!variant) {
    throw new AppError(
      "BAD_REQUEST",
      `Choose one of the ${imported.versions.length} importable variants (0–${imported.versions.length - 1}).`,
    );
  }
  return createServer({
    db: options.db,
    actor: options.actor,
    context: options.context,
    intent: "draft",
    scope: options.scope,
    metadata: {
      name: imported.name,
      slug: importBaseSlug(imported),
      description: imported.description,
      iconUrl: imported.iconUrl,
      websiteUrl: imported.websiteUrl,
      repositoryUrl: imported.repositoryUrl,
      tags: [],
    },
    version: imported.version,
    definition: {
      transport: variant.transport,
      url: variant.url,
      command: variant.command,
      args: variant.args,
      configSchema: variant.configSchema,
      sharedValues: {},
    },
    registryName: imported.registryName,
    slugIfTaken: "suffix",
    auditDetail: {
      source: "server.json import",
      registryName: imported.registryName,
      variantIndex: options.variantIndex,
      ...("url" in options.source && { sourceUrl: cleanUrlForAudit(options.source.url) }),
    },
    resolver: options.resolver,
  });
}

function cleanUrlForAudit(url: string): string {
  try {
    const parsed = new URL(url.trim());
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().slice(0, 500);
  } catch {
    return "(invalid URL)";
  }
}
