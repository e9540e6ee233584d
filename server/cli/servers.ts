import type { Command } from "commander";
import { db } from "../db";
import { AppError } from "../errors";
import { normalizeEmail } from "../services/auth/password-sign-in";
import { createServer } from "../services/servers/create-server";
import { listManagedServers } from "../services/servers/list-managed-servers";
import { reviewServer } from "../services/servers/review-server";
import { OPERATOR_SERVER_ACTOR } from "../services/servers/server-actor";
import { canonicalServerSlug } from "../services/servers/server-metadata";
import type { ServerTransport } from "../services/servers/version-definition";
import { CLI_CONTEXT, collect } from "./common";
import { withConnections } from "./with-connections";

/**
 * `gatehouse server …`: publish and approve catalog entries from a terminal, through the same
 * services (and rules: SSRF guard, command-template allow-list) as the pages. The operator acts
 * with an Owner's authority; audit rows have no actor user and say `via: "cli"`.
 */

const TRANSPORTS: Record<string, ServerTransport> = {
  "streamable-http": "STREAMABLE_HTTP",
  sse: "SSE",
};

/** Field errors as "field: message" lines, so a refusal says what to fix. */
function explain(error: unknown): never {
  if (error instanceof AppError && error.details?.fieldErrors) {
    const fields = error.details.fieldErrors as Record<string, string[]>;
    const lines = Object.entries(fields).map(([field, messages]) => `  ${field}: ${messages.join(" ")}`);
    throw new AppError(error.code, `${error.message}\n${lines.join("\n")}`);
  }
  throw error;
}

type AddOptions = {
  owner: string;
  slug: string;
  name?: string;
  description?: string;
  url?: string;
  transport: string;
  command?: string;
  arg: string[];
  version: string;
  personal?: boolean;
  draft?: boolean;
};

export function registerServerCommands(program: Command): void {
  const server = program.command("server").description("publish and approve catalog servers");

  server
    .command("add")
    .description(
      "add a server (shared and published unless --personal/--draft); remote with --url, stdio with --command",
    )
    .requiredOption("--owner <email>", "the user who owns the server")
    .requiredOption("--slug <slug>", "unique lowercase name used in URLs, e.g. acme-weather")
    .option("--name <name>", "display name (defaults to the slug)")
    .option("--description <text>", "description (markdown)")
    .option("--url <url>", "upstream URL of a remote server")
    .option("--transport <transport>", "streamable-http or sse (with --url)", "streamable-http")
    .option("--command <cmd>", "stdio: an allowed command template's executable, e.g. npx")
    .option("--arg <arg>", "stdio: one argument (repeat for each)", collect, [])
    .option("--version <version>", "version label", "1.0.0")
    .option("--personal", "usable only by the owner (no approval)")
    .option("--draft", "save as a draft instead of publishing")
    .action(
      withConnections(async (raw: unknown) => {
        const options = raw as AddOptions;
        if ((options.url === undefined) === (options.command === undefined))
          throw new AppError("BAD_REQUEST", "give either --url (remote) or --command (stdio)");
        const transport = options.url !== undefined ? TRANSPORTS[options.transport.toLowerCase()] : "STDIO";
        if (!transport) throw new AppError("BAD_REQUEST", "--transport must be streamable-http or sse");
        const owner = await db().user.findUnique({
          where: { email: normalizeEmail(options.owner) },
          select: { id: true },
        });
        if (!owner) throw new AppError("NOT_FOUND", `no user with email ${options.owner}`);
        const detail = await createServer({
          db: db(),
          actor: OPERATOR_SERVER_ACTOR,
          context: CLI_CONTEXT,
          ownerId: owner.id,
          intent: options.draft ? "draft" : "publish",
          scope: options.personal ? "PERSONAL" : "SHARED",
          metadata: {
            slug: options.slug,
            name: options.name ?? options.slug,
            description: options.description,
          },
          version: options.version,
          definition:
            transport === "STDIO"
              ? { transport, command: options.command, args: options.arg }
              : { transport, url: options.url },
        }).catch(explain);
        console.log(
          `created server ${detail.slug} (${detail.status}, ${detail.scope.toLowerCase()}) id ${detail.id}`,
        );
      }),
    );

  server
    .command("approve")
    .description("approve the oldest version of a server waiting for review")
    .argument("<slug>")
    .option("--reason <text>", "note for the owner")
    .action(
      withConnections(async (slugArgument: string, raw: unknown) => {
        const options = raw as { reason?: string };
        const slug = canonicalServerSlug(slugArgument);
        const found = slug
          ? await db().server.findUnique({
              where: { slug },
              include: {
                versions: {
                  where: { status: "PENDING_APPROVAL" },
                  orderBy: [{ submittedAt: "asc" }, { id: "asc" }],
                  take: 1,
                },
              },
            })
          : null;
        if (!found) throw new AppError("NOT_FOUND", `no server with slug "${slugArgument}"`);
        const pending = found.versions[0];
        if (!pending) throw new AppError("CONFLICT", `${found.slug} has no version waiting for review`);
        await reviewServer({
          db: db(),
          actor: OPERATOR_SERVER_ACTOR,
          context: CLI_CONTEXT,
          serverId: found.id,
          versionId: pending.id,
          decision: "approve",
          reason: options.reason,
        });
        console.log(`approved ${found.slug} version ${pending.version}`);
      }),
    );

  server
    .command("list")
    .description("list every server with its status, owner and versions")
    .action(
      withConnections(async () => {
        const rows = await listManagedServers({ db: db(), actor: OPERATOR_SERVER_ACTOR, scope: "all" });
        if (rows.length === 0) {
          console.log("no servers");
          return;
        }
        const table = rows.map((row) => [
          row.slug,
          row.status,
          row.scope,
          row.owner.email,
          row.approvedVersion?.version ?? "-",
          row.pendingVersionCount > 0 ? `${row.pendingVersionCount} pending` : "",
        ]);
        const header = ["SLUG", "STATUS", "SCOPE", "OWNER", "APPROVED", ""];
        const widths = header.map((title, i) =>
          Math.max(title.length, ...table.map((cells) => cells[i]?.length ?? 0)),
        );
        for (const cells of [header, ...table])
          console.log(
            cells
              .map((cell, i) => cell.padEnd(widths[i] ?? 0))
              .join("  ")
              .trimEnd(),
          );
      }),
    );
}
