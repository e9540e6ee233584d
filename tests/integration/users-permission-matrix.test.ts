import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam, createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { can, PERMISSIONS, type Permission, type PlatformRole } from "@/server/policy/permissions";
import { appRouter } from "@/server/trpc/root";
import { type Caller, callerFor, expectTrpcError, TEST_CLIENT_IP, TEST_USER_AGENT } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/**
 * Every procedure of the users, invitations, teams, profile, settings and audit routers, called by each
 * role that lacks its permission: refused with FORBIDDEN and an "auth.denied" audit row; called
 * without a session: UNAUTHORIZED. The calls use real ids, so a missing check would change data.
 */
type Actor = { label: string; role: PlatformRole; isAuditor: boolean };
const ACTORS: Actor[] = [
  { label: "Owner", role: "OWNER", isAuditor: false },
  { label: "Admin", role: "ADMIN", isAuditor: false },
  { label: "Admin+Auditor", role: "ADMIN", isAuditor: true },
  { label: "Power user+", role: "POWER_USER_PLUS", isAuditor: false },
  { label: "Power user", role: "POWER_USER", isAuditor: false },
  { label: "Basic user", role: "BASIC_USER", isAuditor: true },
  { label: "Basic user", role: "BASIC_USER", isAuditor: false },
];

let target: { id: string };
let team: { id: string };
let invitationId: string;
const sessions = new Map<Actor, { userId: string; sessionId: string }>();

type Procedure = {
  path: string;
  /** the permission, or several of which any one admits */
  permission: Permission | [Permission, ...Permission[]];
  call: (caller: Caller) => Promise<unknown>;
};
const anyOf = (permission: Procedure["permission"]): Permission[] =>
  typeof permission === "string" ? [permission] : permission;
const PROCEDURES: Procedure[] = [
  { path: "users.list", permission: "user.read", call: (c) => c.users.list({ search: "x" }) },
  {
    path: "users.setRole",
    permission: "user.set_role",
    call: (c) => c.users.setRole({ userId: target.id, role: "ADMIN" }),
  },
  {
    path: "users.setAuditor",
    permission: "user.assign_privileged",
    call: (c) => c.users.setAuditor({ userId: target.id, isAuditor: true }),
  },
  {
    path: "users.deactivate",
    permission: "user.deactivate",
    call: (c) => c.users.deactivate({ userId: target.id }),
  },
  {
    path: "users.reactivate",
    permission: "user.deactivate",
    call: (c) => c.users.reactivate({ userId: target.id }),
  },
  { path: "users.unlock", permission: "user.deactivate", call: (c) => c.users.unlock({ userId: target.id }) },
  {
    path: "users.resetPassword",
    permission: "user.set_role",
    call: (c) => c.users.resetPassword({ userId: target.id }),
  },
  { path: "invitations.list", permission: "user.invite", call: (c) => c.invitations.list() },
  {
    path: "invitations.create",
    permission: "user.invite",
    call: (c) => c.invitations.create({ email: `matrix-${uniqueSuffix()}@example.test` }),
  },
  {
    path: "invitations.revoke",
    permission: "user.invite",
    call: (c) => c.invitations.revoke({ invitationId }),
  },
  { path: "teams.list", permission: "team.read", call: (c) => c.teams.list() },
  { path: "teams.get", permission: "team.read", call: (c) => c.teams.get({ teamId: team.id }) },
  {
    path: "teams.create",
    permission: "team.manage",
    call: (c) => c.teams.create({ name: `Matrix ${uniqueSuffix()}` }),
  },
  {
    path: "teams.update",
    permission: "team.manage",
    call: (c) => c.teams.update({ teamId: team.id, name: "Renamed" }),
  },
  {
    path: "teams.addMember",
    permission: "team.manage",
    call: (c) => c.teams.addMember({ teamId: team.id, userId: target.id }),
  },
  {
    path: "teams.removeMember",
    permission: "team.manage",
    call: (c) => c.teams.removeMember({ teamId: team.id, userId: target.id }),
  },
  { path: "teams.delete", permission: "team.manage", call: (c) => c.teams.delete({ teamId: team.id }) },
  { path: "profile.get", permission: "profile.manage_own", call: (c) => c.profile.get() },
  {
    path: "profile.endSession",
    permission: "profile.manage_own",
    call: (c) => c.profile.endSession({ sessionId: crypto.randomUUID() }),
  },
  {
    path: "profile.signOutEverywhere",
    permission: "profile.manage_own",
    call: (c) => c.profile.signOutEverywhere(),
  },
  {
    path: "profile.changePassword",
    permission: "profile.manage_own",
    call: (c) => c.profile.changePassword({ currentPassword: "x", newPassword: "y" }),
  },
  {
    path: "settings.getSignUpPolicy",
    permission: "settings.manage",
    call: (c) => c.settings.getSignUpPolicy(),
  },
  {
    path: "settings.setSignUpPolicy",
    permission: "settings.manage",
    call: (c) => c.settings.setSignUpPolicy({ policy: "open" }),
  },
  {
    path: "settings.getAllowedHosts",
    permission: "settings.manage",
    call: (c) => c.settings.getAllowedHosts(),
  },
  {
    path: "settings.setAllowedHosts",
    permission: "settings.manage",
    call: (c) => c.settings.setAllowedHosts({ hosts: ["169.254.169.254"] }),
  },
  {
    path: "settings.getCommandTemplates",
    permission: "system.read",
    call: (c) => c.settings.getCommandTemplates(),
  },
  {
    path: "settings.getStdioNetwork",
    permission: "system.read",
    call: (c) => c.settings.getStdioNetwork(),
  },
  {
    path: "settings.setCommandTemplates",
    permission: "settings.manage",
    call: (c) =>
      c.settings.setCommandTemplates({
        templates: [{ id: "node", label: "Node", command: "node", args: ["{package}"] }],
      }),
  },
  {
    path: "audit.list",
    permission: ["audit.read_metadata", "audit.read_own_servers"],
    call: (c) => c.audit.list({}),
  },
  {
    path: "audit.bodies",
    permission: "audit.read_bodies",
    call: (c) => c.audit.bodies({ eventId: crypto.randomUUID() }),
  },
];

/** Routers whose every procedure is listed above; the catalog routers have their own tests. */
const MATRIX_ROUTERS = ["users", "invitations", "teams", "profile", "settings", "audit"];
/** Procedures anyone may call without signing in. */
const PUBLIC_PROCEDURES: string[] = [];

beforeAll(async () => {
  target = await createUser(db(), { role: "BASIC_USER" });
  team = await createTeam(db());
  const inviter = await createUser(db(), { role: "ADMIN" });
  const invitation = await db().invitation.create({
    data: {
      email: `matrix-${uniqueSuffix()}@example.test`,
      tokenHash: `matrix-${uniqueSuffix()}`,
      invitedById: inviter.id,
      expiresAt: new Date(Date.now() + 3600_000),
    },
  });
  invitationId = invitation.id;
  for (const actor of ACTORS) {
    const signedIn = await signedInUser(db(), actor.role, { isAuditor: actor.isAuditor });
    sessions.set(actor, { userId: signedIn.user.id, sessionId: signedIn.sessionId });
  }
});

afterAll(async () => {
  await disconnectDb();
});

const refusals = PROCEDURES.flatMap((procedure) =>
  ACTORS.filter(
    (actor) =>
      !anyOf(procedure.permission).some((permission) => can({ ...actor, status: "ACTIVE" }, permission)),
  ).map((actor) => ({
    ...procedure,
    actor,
    name: `${procedure.path} refuses ${actor.label}${actor.isAuditor ? " (Auditor)" : ""}`,
  })),
);

describe("permission matrix", () => {
  it("covers every procedure of these routers", () => {
    const defined = Object.keys(appRouter._def.procedures).filter((path) =>
      MATRIX_ROUTERS.includes(path.split(".")[0] ?? ""),
    );
    expect(PROCEDURES.map((procedure) => procedure.path).sort()).toEqual(defined.sort());
  });

  it.each(refusals)("$name", async ({ path, permission, call, actor }) => {
    const session = sessions.get(actor);
    if (!session) throw new Error("no session");
    await expectTrpcError(
      call(await callerFor(session.sessionId)),
      "FORBIDDEN",
      `You do not have permission to ${PERMISSIONS[anyOf(permission)[0] as Permission]}.`,
    );
    const denial = await db().auditEvent.findFirst({
      where: {
        action: "auth.denied",
        actorUserId: session.userId,
        metadata: { path: ["procedure"], equals: path },
      },
    });
    expect(denial).toMatchObject({
      outcome: "DENIED",
      reason: `missing permission ${anyOf(permission).join(" or ")}`,
      clientIp: TEST_CLIENT_IP,
      userAgent: TEST_USER_AGENT,
    });
  });

  it.each(PROCEDURES)("$path refuses anonymous calls with UNAUTHORIZED", async ({ call }) => {
    await expectTrpcError(call(await callerFor(null)), "UNAUTHORIZED", "Sign in to continue.");
  });

  // Every procedure of every router, including ones added later: signing in comes before the
  // input is even read, so an empty input is enough to prove it.
  it.each(Object.keys(appRouter._def.procedures).filter((path) => !PUBLIC_PROCEDURES.includes(path)))(
    "%s refuses anonymous calls with UNAUTHORIZED",
    async (path) => {
      const caller = (await callerFor(null)) as unknown as Record<
        string,
        Record<string, (input: unknown) => Promise<unknown>>
      >;
      const [router = "", procedure = ""] = path.split(".");
      const call = caller[router]?.[procedure];
      if (!call) throw new Error(`no procedure ${path}`);
      await expectTrpcError(call({}), "UNAUTHORIZED", "Sign in to continue.");
    },
  );

  it("left every target untouched", async () => {
    expect(await db().user.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({
      role: "BASIC_USER",
      isAuditor: false,
      status: "ACTIVE",
    });
    expect(await db().team.findUnique({ where: { id: team.id } })).toMatchObject({ id: team.id });
    expect(await db().teamMember.count({ where: { teamId: team.id } })).toBe(0);
    expect(await db().invitation.findUniqueOrThrow({ where: { id: invitationId } })).toMatchObject({
      revokedAt: null,
    });
  });
});

describe("settings", () => {
  it("lets an Admin read the sign-up policy and set it, with before/after in the audit log", async () => {
    const admin = await signedInUser(db(), "ADMIN");
    const caller = await callerFor(admin.sessionId);
    const { policy } = await caller.settings.getSignUpPolicy();
    expect(["open", "invite-only", "off"]).toContain(policy);
    // Other test files rely on the current policy: set it to what it already is.
    expect(await caller.settings.setSignUpPolicy({ policy })).toEqual({ policy });
    const event = await db().auditEvent.findFirstOrThrow({
      where: { action: "settings.signup_policy.change", actorUserId: admin.user.id },
    });
    expect(event).toMatchObject({ clientIp: TEST_CLIENT_IP, userAgent: TEST_USER_AGENT });
    expect(event.metadata).toEqual({ before: policy, after: policy });
    await expectTrpcError(caller.settings.setSignUpPolicy({ policy: "everyone" as "open" }), "BAD_REQUEST");
  });
});
