import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTeam, createUser, uniqueSuffix } from "@/prisma/seed/factories";
import type { AuditContext, AuditInput } from "@/server/audit/record";
import { db, disconnectDb } from "@/server/db";
import { resolveSession, startSession } from "@/server/services/auth/sessions";
import { type Caller, callerFor, expectTrpcError } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/**
 * The change and its audit event commit together or not at all: when writing the event fails,
 * the change it describes must not survive. recordAudit is made to fail for one action at a time.
 */
const failing = vi.hoisted(() => {
  // The forced failures are logged as unexpected errors; keep them out of the test output.
  process.env.LOG_LEVEL = "silent";
  return { action: null as string | null };
});

vi.mock("@/server/audit/record", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/server/audit/record")>();
  return {
    ...actual,
    recordAudit: async (
      tx: Parameters<typeof actual.recordAudit>[0],
      context: AuditContext,
      event: AuditInput,
    ) => {
      if (event.action === failing.action) throw new Error(`audit store unavailable for ${event.action}`);
      return actual.recordAudit(tx, context, event);
    },
  };
});

let owner: Awaited<ReturnType<typeof signedInUser>>;
let asOwner: Caller;

beforeAll(async () => {
  owner = await signedInUser(db(), "OWNER");
  asOwner = await callerFor(owner.sessionId);
});

afterEach(() => {
  failing.action = null;
});

afterAll(async () => {
  await disconnectDb();
});

describe("a change whose audit event cannot be written does not happen", () => {
  it("users.setRole", async () => {
    const target = await createUser(db(), { role: "BASIC_USER" });
    failing.action = "user.role.change";
    await expectTrpcError(
      asOwner.users.setRole({ userId: target.id, role: "ADMIN" }),
      "INTERNAL_SERVER_ERROR",
    );
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).role).toBe("BASIC_USER");

    failing.action = null;
    await asOwner.users.setRole({ userId: target.id, role: "ADMIN" });
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).role).toBe("ADMIN");
    expect(await db().auditEvent.count({ where: { action: "user.role.change", targetId: target.id } })).toBe(
      1,
    );
  });

  it("users.deactivate keeps the user, their sessions and their tokens", async () => {
    const target = await createUser(db());
    const { sessionId } = await startSession({ db: db(), userId: target.id, method: "test", context: {} });
    await db().apiToken.create({
      data: { userId: target.id, name: "t", keyId: randomBytes(8).toString("hex"), secretHash: "h" },
    });
    failing.action = "user.deactivate";
    await expectTrpcError(asOwner.users.deactivate({ userId: target.id }), "INTERNAL_SERVER_ERROR");
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).status).toBe("ACTIVE");
    expect(await resolveSession({ db: db(), sessionId })).not.toBeNull();
    expect(await db().apiToken.count({ where: { userId: target.id, revokedAt: null } })).toBe(1);
  });

  it("users.resetPassword keeps the old password and sessions", async () => {
    const target = await createUser(db(), { passwordHash: "old-hash" });
    const { sessionId } = await startSession({ db: db(), userId: target.id, method: "test", context: {} });
    failing.action = "user.password.reset";
    await expectTrpcError(asOwner.users.resetPassword({ userId: target.id }), "INTERNAL_SERVER_ERROR");
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).passwordHash).toBe("old-hash");
    expect(await resolveSession({ db: db(), sessionId })).not.toBeNull();
  });

  it("invitations.create stores no invitation", async () => {
    const email = `atomic-${uniqueSuffix()}@example.test`;
    failing.action = "invitation.create";
    await expectTrpcError(asOwner.invitations.create({ email }), "INTERNAL_SERVER_ERROR");
    expect(await db().invitation.count({ where: { email } })).toBe(0);
  });

  it("teams.create and teams.addMember store nothing", async () => {
    const name = `Atomic ${uniqueSuffix()}`;
    failing.action = "team.create";
    await expectTrpcError(asOwner.teams.create({ name }), "INTERNAL_SERVER_ERROR");
    expect(await db().team.count({ where: { name } })).toBe(0);

    const team = await createTeam(db());
    const user = await createUser(db());
    failing.action = "team.member.add";
    await expectTrpcError(
      asOwner.teams.addMember({ teamId: team.id, userId: user.id }),
      "INTERNAL_SERVER_ERROR",
    );
    expect(await db().teamMember.count({ where: { teamId: team.id } })).toBe(0);
  });

  it("profile.signOutEverywhere ends no session", async () => {
    const self = await signedInUser(db(), "BASIC_USER");
    const caller = await callerFor(self.sessionId);
    failing.action = "auth.signout.everywhere";
    await expectTrpcError(caller.profile.signOutEverywhere(), "INTERNAL_SERVER_ERROR");
    expect(await resolveSession({ db: db(), sessionId: self.sessionId })).not.toBeNull();
  });
});
