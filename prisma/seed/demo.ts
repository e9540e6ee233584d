import { hashPassword } from "@/server/crypto/password";
import { generatePassword } from "@/server/crypto/random";
import type { Db, Tx } from "@/server/db";
import { bumpGlobalAccessEpoch } from "@/server/services/access/access-epochs";
import { addAllowedHosts } from "@/server/services/settings/outbound-policy";
import { createRegistry, createServer, createTeam, createUser } from "./factories";

/**
 * The demo a newcomer sees after `npm start`: an owner account, a few people and teams, and
 * catalog entries whose upstreams actually run on this machine (server-everything, started by
 * `npm start` beside the app), plus entries in other lifecycle states. Runs once per database.
 */
export const DEMO_SEEDED_SETTING = "demo.seededAt";
export const DEMO_OWNER_EMAIL = "owner@gatehouse.local";

export type DemoSeedResult =
  | { created: true; ownerEmail: string; ownerPassword: string }
  | { created: false; ownerEmail: string };

export function demoUpstreamUrls(port: number) {
  return {
    streamableHttp: `http://127.0.0.1:${port}/mcp`,
    sse: `http://127.0.0.1:${port + 1}/sse`,
  };
}

export async function seedDemo(options: { db: Db; upstreamPort: number }): Promise<DemoSeedResult> {
  const already = await options.db.setting.findUnique({ where: { key: DEMO_SEEDED_SETTING } });
  if (already) return { created: false, ownerEmail: DEMO_OWNER_EMAIL };

  const ownerPassword = generatePassword();
  const passwordHash = await hashPassword(ownerPassword);
  // All of it or nothing: a seed that fails half-way (a slug already taken, an interrupted first
  // start) leaves no owner whose password nobody saw and no allowed hosts, and can simply run again.
  const created = await options.db.$transaction((tx) => seedInto(tx, options.upstreamPort, passwordHash), {
    timeout: 60_000,
  });
  if (!created) return { created: false, ownerEmail: DEMO_OWNER_EMAIL };
  // After the commit: the proxy's cached policies see the demo's allowed hosts.
  await bumpGlobalAccessEpoch();
  return { created: true, ownerEmail: DEMO_OWNER_EMAIL, ownerPassword };
}

/** Writes the demo; false when another seed got there first. */
async function seedInto(db: Tx, upstreamPort: number, passwordHash: string): Promise<boolean> {
  // Two first starts at once: the second waits here, then finds the marker and adds nothing.
  await db.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${DEMO_SEEDED_SETTING}))`;
  if (await db.setting.findUnique({ where: { key: DEMO_SEEDED_SETTING } })) return false;
  const urls = demoUpstreamUrls(upstreamPort);
  // The demo upstreams run on this machine, which the SSRF guard refuses unless an admin allows it;
  // every publisher may use them (a Power user's personal server too), as a sandbox would be.
  await addAllowedHosts(db, [`127.0.0.1:${upstreamPort}`, `127.0.0.1:${upstreamPort + 1}`], {
    forEveryone: true,
  });

  const owner = await createUser(db, {
    email: DEMO_OWNER_EMAIL,
    name: "Olivia Owner",
    role: "OWNER",
    passwordHash,
    emailVerified: new Date(),
  });
  const admin = await createUser(db, {
    email: "ari.admin@gatehouse.local",
    name: "Ari Admin",
    role: "ADMIN",
  });
  const publisher = await createUser(db, {
    email: "pat.publisher@gatehouse.local",
    name: "Pat Publisher",
    role: "POWER_USER_PLUS",
  });
  const analyst = await createUser(db, {
    email: "dana.data@gatehouse.local",
    name: "Dana Data",
    role: "POWER_USER",
  });
  const support = await createUser(db, {
    email: "sam.support@gatehouse.local",
    name: "Sam Support",
    role: "BASIC_USER",
  });
  const auditor = await createUser(db, {
    email: "avery.audit@gatehouse.local",
    name: "Avery Audit",
    role: "BASIC_USER",
    isAuditor: true,
  });

  const platform = await createTeam(db, {
    slug: "platform",
    name: "Platform",
    description: "Runs the gateway",
  });
  const data = await createTeam(db, {
    slug: "data-science",
    name: "Data Science",
    description: "Analysts and ML",
  });
  const supportTeam = await createTeam(db, {
    slug: "support",
    name: "Support",
    description: "Customer support",
  });
  await db.teamMember.createMany({
    data: [
      { teamId: platform.id, userId: owner.id },
      { teamId: platform.id, userId: admin.id },
      { teamId: platform.id, userId: publisher.id },
      { teamId: data.id, userId: analyst.id },
      { teamId: data.id, userId: publisher.id },
      { teamId: supportTeam.id, userId: support.id },
      { teamId: supportTeam.id, userId: auditor.id },
    ],
  });

  const everything = await createServer(db, {
    ownerId: admin.id,
    slug: "everything",
    name: "Everything (demo)",
    description:
      "The MCP reference server: tools, prompts, resources, sampling and more. Runs on this machine beside Gatehouse.",
    tags: ["demo", "reference"],
    url: urls.streamableHttp,
    version: "2026.8.31",
    repositoryUrl: "https://github.com/modelcontextprotocol/servers",
  });
  const everythingSse = await createServer(db, {
    ownerId: admin.id,
    slug: "everything-sse",
    name: "Everything over SSE (demo)",
    description: "The same reference server over the legacy HTTP+SSE transport.",
    tags: ["demo", "legacy-sse"],
    transport: "SSE",
    url: urls.sse,
    version: "2026.8.31",
    repositoryUrl: "https://github.com/modelcontextprotocol/servers",
  });
  await createServer(db, {
    ownerId: publisher.id,
    slug: "github",
    name: "GitHub",
    description: "Issues, pull requests and code search through GitHub's hosted MCP server.",
    tags: ["developer", "oauth"],
    status: "PENDING_APPROVAL",
    url: "https://api.githubcopilot.com/mcp/",
    websiteUrl: "https://github.com/github/github-mcp-server",
  });
  await createServer(db, {
    ownerId: analyst.id,
    slug: "warehouse-notes",
    name: "Warehouse notes",
    description: "A draft of a personal server for notes about the data warehouse.",
    tags: ["data"],
    status: "DRAFT",
    scope: "PERSONAL",
    transport: "STDIO",
    command: "npx",
    args: ["-y", "@modelcontextprotocol/server-memory@2026.8.31"],
  });

  const defaults = await createRegistry(db, {
    ownerId: admin.id,
    slug: "company-defaults",
    name: "Company defaults",
    description: "Servers every employee may use.",
  });
  await db.registrySubject.create({ data: { registryId: defaults.id, kind: "EVERYONE" } });
  await db.registryServer.create({ data: { registryId: defaults.id, serverId: everything.id } });

  const dataTools = await createRegistry(db, {
    ownerId: publisher.id,
    slug: "data-tools",
    name: "Data tools",
    description: "Servers for the Data Science team, narrowed to the tools they need.",
  });
  await db.registrySubject.create({ data: { registryId: dataTools.id, kind: "TEAM", teamId: data.id } });
  await db.registryServer.create({
    data: { registryId: dataTools.id, serverId: everythingSse.id, allowedTools: ["echo", "get-sum"] },
  });

  await db.auditEvent.create({
    data: {
      action: "system.demo.seed",
      targetType: "installation",
      metadata: { users: 6, teams: 3, servers: 4, registries: 2 },
    },
  });
  await db.setting.create({ data: { key: DEMO_SEEDED_SETTING, value: new Date().toISOString() } });
  return true;
}
