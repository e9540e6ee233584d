import type { Command } from "commander";
import { z } from "zod";
import { hashPassword } from "../crypto/password";
import { generatePassword } from "../crypto/random";
import { db } from "../db";
import { AppError } from "../errors";
import { PLATFORM_ROLES, type PlatformRole, ROLE_LABELS } from "../policy/permissions";
import { createAdmittedUser } from "../services/auth/admit-user";
import { checkPasswordPolicy } from "../services/auth/password-policy";
import { normalizeEmail } from "../services/auth/password-sign-in";
import { addTeamMember } from "../services/teams/add-team-member";
import { createTeam } from "../services/teams/create-team";
import { deactivateUser } from "../services/users/deactivate-user";
import { OPERATOR } from "../services/users/lock-users";
import { setUserRole } from "../services/users/set-user-role";
import { CLI_CONTEXT } from "./common";
import { withConnections } from "./with-connections";

/**
 * `gatehouse user …` and `gatehouse team …`: the same services the admin pages use, acting as the
 * operator (see OPERATOR), each change audited with `via: "cli"`.
 */
const ROLE = z.enum(PLATFORM_ROLES);

function parseRole(value: string): PlatformRole {
  const role = ROLE.safeParse(value.toUpperCase().replace(/[-+ ]/g, (c) => (c === "+" ? "_PLUS" : "_")));
  if (!role.success)
    throw new AppError("BAD_REQUEST", `unknown role "${value}"; use one of ${PLATFORM_ROLES.join(", ")}`);
  return role.data;
}

async function userIdByEmail(email: string): Promise<string> {
  const user = await db().user.findUnique({ where: { email: normalizeEmail(email) }, select: { id: true } });
  if (!user) throw new AppError("NOT_FOUND", `no user with email ${email}`);
  return user.id;
}

async function teamIdBySlugOrName(value: string): Promise<string> {
  const team = await db().team.findFirst({
    where: { OR: [{ slug: value }, { name: { equals: value, mode: "insensitive" } }] },
    select: { id: true },
  });
  if (!team) throw new AppError("NOT_FOUND", `no team with slug or name "${value}"`);
  return team.id;
}

export function registerUserCommands(program: Command): void {
  const user = program.command("user").description("manage users from the command line");

  user
    .command("create")
    .description("create a user who signs in with a password (generated and printed once unless --password)")
    .argument("<email>")
    .option("--name <name>", "display name")
    .option("--role <role>", "OWNER, ADMIN, POWER_USER_PLUS, POWER_USER or BASIC_USER", "BASIC_USER")
    .option("--password <password>", "initial password (prefer the generated one: shell history keeps this)")
    .action(
      withConnections(async (email: string, options: unknown) => {
        const opts = options as { name?: string; role: string; password?: string };
        const normalized = normalizeEmail(email);
        if (!z.email().safeParse(normalized).success)
          throw new AppError("BAD_REQUEST", `"${email}" is not an email address`);
        const role = parseRole(opts.role);
        const password = opts.password ?? generatePassword();
        const problem = checkPasswordPolicy(password, { email: normalized });
        if (problem) throw new AppError("BAD_REQUEST", problem);
        const passwordHash = await hashPassword(password);
        await db().$transaction(async (tx) => {
          if (await tx.user.findUnique({ where: { email: normalized }, select: { id: true } })) {
            throw new AppError("CONFLICT", `a user with email ${normalized} already exists`);
          }
          await createAdmittedUser(tx, {
            email: normalized,
            name: opts.name ?? null,
            passwordHash,
            admission: { ok: true, role, invitationId: null, because: "gatehouse user create" },
            method: "cli",
            context: CLI_CONTEXT,
            now: new Date(),
          });
        });
        console.log(`created ${normalized} (${ROLE_LABELS[role]})`);
        if (!opts.password) console.log(`password: ${password}   (shown once)`);
      }),
    );

  user
    .command("set-role")
    .description("change a user's role (the last Owner cannot be demoted)")
    .argument("<email>")
    .argument("<role>", "OWNER, ADMIN, POWER_USER_PLUS, POWER_USER or BASIC_USER")
    .action(
      withConnections(async (email: string, roleName: string) => {
        const role = parseRole(roleName);
        const row = await setUserRole({
          db: db(),
          actorId: OPERATOR,
          userId: await userIdByEmail(email),
          role,
          context: CLI_CONTEXT,
        });
        console.log(`${row.email} is now ${ROLE_LABELS[row.role]}`);
      }),
    );

  user
    .command("deactivate")
    .description("deactivate a user: ends their sessions and revokes their API tokens at once")
    .argument("<email>")
    .action(
      withConnections(async (email: string) => {
        const row = await deactivateUser({
          db: db(),
          actorId: OPERATOR,
          userId: await userIdByEmail(email),
          context: CLI_CONTEXT,
        });
        console.log(`${row.email} is deactivated`);
      }),
    );

  const team = program.command("team").description("manage teams from the command line");

  team
    .command("create")
    .description("create a team (with --idp-group, its members follow that identity-provider group)")
    .argument("<name>")
    .option("--description <text>")
    .option("--idp-group <group>", "sync members from this group claim at each SSO sign-in")
    .action(
      withConnections(async (name: string, options: unknown) => {
        const opts = options as { description?: string; idpGroup?: string };
        const row = await createTeam({
          db: db(),
          name,
          description: opts.description,
          idpGroup: opts.idpGroup,
          context: CLI_CONTEXT,
        });
        console.log(
          `created team ${row.name} (${row.slug})${row.externalId ? `, synced from group ${row.externalId}` : ""}`,
        );
      }),
    );

  team
    .command("add")
    .description("add a user to a team (teams synced from an identity provider are read-only)")
    .argument("<team>", "team slug or name")
    .argument("<email>")
    .action(
      withConnections(async (teamName: string, email: string) => {
        const detail = await addTeamMember({
          db: db(),
          teamId: await teamIdBySlugOrName(teamName),
          userId: await userIdByEmail(email),
          context: CLI_CONTEXT,
        });
        console.log(`${email} is a member of ${detail.name} (${detail.memberCount} members)`);
      }),
    );
}
