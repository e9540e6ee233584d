import type { Command } from "commander";
import { db } from "../db";
import { AppError } from "../errors";
import { normalizeEmail } from "../services/auth/password-sign-in";
import { findVisibleServer } from "../services/catalog/visible-servers";
import { issueApiToken } from "../services/tokens/issue-api-token";
import { listMyTokens } from "../services/tokens/list-my-tokens";
import { revokeApiToken, type TokenActor } from "../services/tokens/revoke-api-token";
import { parseExpiresIn } from "../services/tokens/token-expiry";
import { displayPrefix, type TokenRow, type TokenScopeView } from "../services/tokens/token-row";
import { OPERATOR } from "../services/users/lock-users";
import { CLI_CONTEXT, collect, parseTools } from "./common";
import { withConnections } from "./with-connections";

/**
 * `gatehouse token …`: personal API tokens from a terminal, through the services the Tokens page
 * uses. The operator issues a token for a user (as that user could themselves) and may revoke
 * anyone's; audit events have no actor user and the user agent "gatehouse-cli".
 */
const OPERATOR_ACTOR: TokenActor = { id: OPERATOR, role: "OWNER", isAuditor: false, status: "ACTIVE" };

async function userByEmail(email: string): Promise<{ id: string; email: string; status: string }> {
  const user = await db().user.findUnique({
    where: { email: normalizeEmail(email) },
    select: { id: true, email: true, status: true },
  });
  if (!user) throw new AppError("NOT_FOUND", `no user with email ${email}`);
  return user;
}

function scopeText(scope: TokenScopeView): string {
  const tools = scope.tools ? ` [tools: ${scope.tools.join(", ")}]` : "";
  if (scope.kind === "connection") {
    if (scope.state === "gone") return `connection ${scope.id} (deleted)${tools}`;
    const note = scope.state === "unavailable" ? ", no longer shared" : "";
    return `connection "${scope.name}" (${scope.serverName}${note})${tools}`;
  }
  if (scope.state !== "ok")
    return `server ${scope.id} (${scope.state === "gone" ? "deleted" : "no longer shared"})${tools}`;
  return `server ${scope.serverSlug}${tools}`;
}

function dateText(date: Date | null, none: string): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, "Z") : none;
}

function printToken(row: TokenRow): void {
  console.log(`${row.displayPrefix}  ${row.name}  [${row.status}]`);
  console.log(
    `  created ${dateText(row.createdAt, "-")}, expires ${dateText(row.expiresAt, "never")}, last used ${dateText(row.lastUsedAt, "never")}, ${row.usageCount} uses`,
  );
  if (row.revokedAt) console.log(`  revoked ${dateText(row.revokedAt, "-")}`);
  console.log(
    `  scope: ${row.scopes.length === 0 ? "(empty: reaches nothing)" : row.scopes.map(scopeText).join("; ")}`,
  );
  if (row.ipAllowList.length > 0) console.log(`  from: ${row.ipAllowList.join(", ")}`);
}

export function registerTokenCommands(program: Command): void {
  const token = program.command("token").description("issue, list and revoke personal API tokens");

  token
    .command("issue")
    .description("issue a token for a user and print it once")
    .requiredOption("--user <email>", "the user the token acts as")
    .requiredOption("--name <name>", 'what the token is for, e.g. "CI deploy bot"')
    .option("--connection <id>", "scope: one of the user's connections (repeatable)", collect, [])
    .option("--server <slug>", "scope: a server the user can see (repeatable)", collect, [])
    .option("--tools <names>", "comma-separated tools the token may call on each scoped connection or server")
    .option("--expires-in <lifetime>", 'lifetime such as 12h, 30d or 2w, or "never"', "30d")
    .option(
      "--ip <address-or-cidr>",
      "allow requests only from this address or range (repeatable)",
      collect,
      [],
    )
    .action(
      withConnections(async (options: unknown) => {
        const opts = options as {
          user: string;
          name: string;
          connection: string[];
          server: string[];
          tools?: string;
          expiresIn: string;
          ip: string[];
        };
        const user = await userByEmail(opts.user);
        if (user.status !== "ACTIVE") throw new AppError("BAD_REQUEST", `${user.email} is deactivated`);
        const tools = parseTools(opts.tools);
        if (tools && opts.connection.length + opts.server.length === 0)
          throw new AppError("BAD_REQUEST", "--tools narrows a --connection or --server; name one");
        const now = new Date();
        const expiresAt = parseExpiresIn(opts.expiresIn, now);

        const scopes: { connectionId?: string; serverId?: string; tools?: string[] }[] = [];
        for (const connectionId of opts.connection)
          scopes.push({ connectionId, ...(tools ? { tools } : {}) });
        for (const slug of opts.server) {
          const server = await findVisibleServer({ db: db(), userId: user.id, slug });
          if (!server)
            throw new AppError("NOT_FOUND", `${user.email} cannot see a server with slug "${slug}"`);
          scopes.push({ serverId: server.serverId, ...(tools ? { tools } : {}) });
        }

        const issued = await issueApiToken({
          db: db(),
          userId: user.id,
          name: opts.name,
          scopes,
          ipAllowList: opts.ip,
          expiresAt,
          context: CLI_CONTEXT,
          now,
        });
        console.log(`issued ${displayPrefix(issued.keyId)} "${issued.name}" for ${user.email}`);
        console.log(`expires: ${dateText(issued.expiresAt, "never")}`);
        if (issued.scopes.length === 0) console.log("scope: empty (this token reaches nothing)");
        console.log(`token: ${issued.token}`);
        console.log(
          "This is the only time the token is shown: store it now. Send it as 'Authorization: Bearer <token>'.",
        );
      }),
    );

  token
    .command("list")
    .description("list a user's tokens, newest first (never their secrets)")
    .requiredOption("--user <email>")
    .action(
      withConnections(async (options: unknown) => {
        const opts = options as { user: string };
        const user = await userByEmail(opts.user);
        const rows = await listMyTokens({ db: db(), userId: user.id });
        if (rows.length === 0) {
          console.log(`${user.email} has no API tokens`);
          return;
        }
        for (const row of rows) printToken(row);
      }),
    );

  token
    .command("revoke")
    .description("revoke a token by its key id (the part after gh_, as `token list` shows it)")
    .argument("<keyId>", "e.g. abcdefgh2345 or gh_abcdefgh2345_…")
    .action(
      withConnections(async (keyId: string) => {
        const revoked = await revokeApiToken({
          db: db(),
          actor: OPERATOR_ACTOR,
          token: { keyId },
          context: CLI_CONTEXT,
        }).catch((error: unknown) => {
          if (error instanceof AppError && error.code === "NOT_FOUND")
            throw new AppError("NOT_FOUND", `no token with key id "${keyId.slice(0, 40)}"`);
          throw error;
        });
        if (!revoked.isNewlyRevoked) {
          console.log(
            `${displayPrefix(revoked.keyId)} was already revoked at ${dateText(revoked.revokedAt, "-")}`,
          );
          return;
        }
        console.log(`revoked ${displayPrefix(revoked.keyId)} "${revoked.name}"`);
        if (!revoked.isBroadcast)
          console.log("warning: Redis was unreachable; open streams of this token end at their next request");
      }),
    );
}
