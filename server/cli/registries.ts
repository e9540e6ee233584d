import type { Command } from "commander";
import { db } from "../db";
import { AppError } from "../errors";
import { normalizeEmail } from "../services/auth/password-sign-in";
import { addRegistrySubject, type SubjectInput } from "../services/registries/add-registry-subject";
import { createRegistry } from "../services/registries/create-registry";
import { grantRegistryServer } from "../services/registries/grant-registry-server";
import { listRegistries } from "../services/registries/list-registries";
import { canonicalRegistrySlug, type RegistryActor } from "../services/registries/registry-row";
import { updateAllowedTools } from "../services/registries/update-allowed-tools";
import { OPERATOR } from "../services/users/lock-users";
import { CLI_CONTEXT, parseTools } from "./common";
import { withConnections } from "./with-connections";

/**
 * `gatehouse registry …`: the registry services the pages use, acting as the operator (whoever
 * runs the CLI holds the database and the secrets, so they act with an Owner's authority). Audit
 * events have no actor user and the user agent "gatehouse-cli".
 */
const OPERATOR_ACTOR: RegistryActor = { id: OPERATOR, role: "OWNER", isAuditor: false, status: "ACTIVE" };
const SERVER_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

async function registryBySlug(value: string): Promise<{ id: string; slug: string; name: string }> {
  const slug = canonicalRegistrySlug(value);
  const registry = slug
    ? await db().registry.findUnique({ where: { slug }, select: { id: true, slug: true, name: true } })
    : null;
  if (!registry) {
    throw new AppError(
      "NOT_FOUND",
      `no registry with slug "${value}"; create it first with: gatehouse registry create ${slug ?? "<slug>"} --name "…" --owner <email>`,
    );
  }
  return registry;
}

async function serverBySlug(value: string) {
  const slug = value.normalize("NFKC").trim().toLowerCase();
  const server = SERVER_SLUG.test(slug)
    ? await db().server.findUnique({ where: { slug }, select: { id: true, slug: true, name: true } })
    : null;
  if (!server) throw new AppError("NOT_FOUND", `no server with slug "${value}"`);
  return server;
}

async function activeUserByEmail(email: string): Promise<{ id: string; email: string }> {
  const user = await db().user.findUnique({
    where: { email: normalizeEmail(email) },
    select: { id: true, email: true, status: true },
  });
  if (!user) throw new AppError("NOT_FOUND", `no user with email ${email}`);
  if (user.status !== "ACTIVE") throw new AppError("BAD_REQUEST", `${user.email} is deactivated`);
  return user;
}

async function teamBySlugOrName(value: string): Promise<{ id: string; name: string }> {
  const team = await db().team.findFirst({
    where: {
      OR: [{ slug: value.trim().toLowerCase() }, { name: { equals: value.trim(), mode: "insensitive" } }],
    },
    select: { id: true, name: true },
  });
  if (!team) throw new AppError("NOT_FOUND", `no team with slug or name "${value}"`);
  return team;
}

export function registerRegistryCommands(program: Command): void {
  const registry = program.command("registry").description("manage registries: who may reach which servers");

  registry
    .command("create")
    .description("create an empty registry owned by a user (it grants nothing until `registry grant`)")
    .argument("<slug>", "lowercase letters, digits and dashes")
    .requiredOption("--name <name>", "display name")
    .requiredOption("--owner <email>", "the user who owns and manages it")
    .option("--description <text>")
    .action(
      withConnections(async (slug: string, options: unknown) => {
        const opts = options as { name: string; owner: string; description?: string };
        const owner = await activeUserByEmail(opts.owner);
        const row = await createRegistry({
          db: db(),
          actor: OPERATOR_ACTOR,
          name: opts.name,
          slug,
          description: opts.description,
          ownerId: owner.id,
          context: CLI_CONTEXT,
        });
        console.log(`created registry ${row.name} (${row.slug}), owned by ${owner.email}`);
      }),
    );

  registry
    .command("list")
    .description("list every registry with its owner, subjects and servers")
    .action(
      withConnections(async () => {
        const rows = await listRegistries({ db: db(), actor: OPERATOR_ACTOR });
        if (rows.length === 0) {
          console.log("no registries");
          return;
        }
        for (const row of rows) {
          console.log(
            `${row.slug}\t${row.name}\towner ${row.owner.email}\t${row.subjectCount} subjects: ${row.subjectPreview.map((subject) => subject.label).join(", ") || "-"}\t${row.serverCount} servers: ${row.serverPreview.map((server) => server.name).join(", ") || "-"}`,
          );
        }
      }),
    );

  registry
    .command("grant")
    .description(
      "grant a server through a registry to a team, a user or everyone (the registry must exist); --tools narrows it to an allow-list",
    )
    .argument("<registry>", "registry slug")
    .requiredOption("--server <slug>", "an approved shared server")
    .option("--tools <names>", "comma-separated tool allow-list (default: every tool)")
    .option("--team <team>", "team slug or name")
    .option("--user <email>")
    .option("--everyone", "every active user")
    .action(
      withConnections(async (registrySlug: string, options: unknown) => {
        const opts = options as {
          server: string;
          tools?: string;
          team?: string;
          user?: string;
          everyone?: boolean;
        };
        const chosen = [opts.team !== undefined, opts.user !== undefined, opts.everyone === true].filter(
          Boolean,
        );
        if (chosen.length !== 1) {
          throw new AppError(
            "BAD_REQUEST",
            "name exactly one subject: --team <slug>, --user <email> or --everyone",
          );
        }
        const tools = parseTools(opts.tools);
        // Resolve everything before changing anything, so a typo changes nothing.
        const target = await registryBySlug(registrySlug);
        const server = await serverBySlug(opts.server);
        let subject: SubjectInput;
        let subjectLabel: string;
        if (opts.team !== undefined) {
          const team = await teamBySlugOrName(opts.team);
          subject = { kind: "TEAM", teamId: team.id };
          subjectLabel = `team ${team.name}`;
        } else if (opts.user !== undefined) {
          const user = await activeUserByEmail(opts.user);
          subject = { kind: "USER", userId: user.id };
          subjectLabel = user.email;
        } else {
          subject = { kind: "EVERYONE" };
          subjectLabel = "everyone";
        }

        const before = await db().registry.findUniqueOrThrow({
          where: { id: target.id },
          select: {
            servers: { where: { serverId: server.id }, select: { serverId: true } },
            subjects: {
              where: {
                kind: subject.kind,
                userId: subject.kind === "USER" ? subject.userId : null,
                teamId: subject.kind === "TEAM" ? subject.teamId : null,
              },
              select: { id: true },
            },
          },
        });
        const common = { db: db(), actor: OPERATOR_ACTOR, registryId: target.id, context: CLI_CONTEXT };
        if (before.servers.length === 0) {
          await grantRegistryServer({ ...common, serverId: server.id, allowedTools: tools });
          console.log(
            `${target.slug}: added ${server.slug} (${tools ? `tools: ${tools.join(", ")}` : "all tools"})`,
          );
        } else if (tools) {
          await updateAllowedTools({ ...common, serverId: server.id, allowedTools: tools });
          console.log(`${target.slug}: ${server.slug} now allows ${tools.join(", ")}`);
        } else {
          console.log(`${target.slug}: ${server.slug} was already granted (tools unchanged)`);
        }
        if (before.subjects.length === 0) {
          await addRegistrySubject({ ...common, subject });
          console.log(`${target.slug}: granted to ${subjectLabel}`);
        } else {
          console.log(`${target.slug}: already granted to ${subjectLabel}`);
        }
      }),
    );
}
