import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { type E2eDb, openDb, UTC_NOW } from "./db";
import { expect, test } from "./fixtures";
import { openAccountMenu } from "./sign-in-as";
import { type E2eState, readState, setIdpGroups } from "./state";

/**
 * Single sign-on through the real test identity provider (tests/fixtures/oidc-provider.ts): the
 * invite-only refusal, an invited first sign-in that joins the team mapped from a group claim, a
 * later sign-in without the group that leaves it, and a deactivated account being refused.
 *
 * The IdP has one user, Ida, so the cases build on each other and run in order; each test gets a new
 * browser context, which also means a new IdP session, so the IdP always shows its login form.
 * Everything created here (team, invitation, Ida's user) is removed afterwards. The audit events
 * stay: they are history, and the database is thrown away with the run.
 */
test.use({ storageState: { cookies: [], origins: [] } });

const GROUP = "engineering";
const INVITE_ONLY =
  "This Gatehouse is invite-only. Ask an administrator to invite you, then use the link in the invitation.";
const DEACTIVATED = "This account is deactivated. Ask an administrator to reactivate it.";

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** From /signin through the IdP's own login form; the caller checks where the browser ends up. */
async function signInThroughIdp(page: Page, state: E2eState): Promise<void> {
  await page.goto("/signin");
  await page.getByRole("button", { name: "Continue with Test IdP" }).click();
  // A fresh browser context has no IdP session, so the IdP must ask who this is.
  await expect(page).toHaveURL(new RegExp(`^${escapeRegExp(state.idp.issuer)}/interaction/`));
  await page.locator('input[name="email"]').fill(state.idp.user.email);
  await page.locator('input[name="password"]').fill(state.idp.user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Ida's row, if she has an account. */
async function findIda(db: E2eDb, state: E2eState) {
  const rows = await db.query<{ id: string; role: string; status: string; name: string | null }>(
    `SELECT id, role::text AS role, status::text AS status, name FROM "User" WHERE email = $1`,
    [state.idp.user.email.toLowerCase()],
  );
  return rows[0];
}

/** Removes Ida's account (Account, Session and TeamMember rows go with it) and closes her invitations. */
async function forgetIda(db: E2eDb, state: E2eState): Promise<void> {
  const email = state.idp.user.email.toLowerCase();
  await db.query(`DELETE FROM "User" WHERE email = $1`, [email]);
  await db.query(
    `UPDATE "Invitation" SET "revokedAt" = ${UTC_NOW} WHERE email = $1 AND "acceptedAt" IS NULL AND "revokedAt" IS NULL`,
    [email],
  );
}

async function countAudit(db: E2eDb, where: string, params: unknown[]): Promise<number> {
  const count = await db.value<string>(
    `SELECT count(*)::text AS value FROM "AuditEvent" WHERE ${where}`,
    params,
  );
  return Number(count ?? 0);
}

async function membershipSource(db: E2eDb, teamId: string, userId: string): Promise<string | undefined> {
  return db.value<string>(
    `SELECT source::text AS value FROM "TeamMember" WHERE "teamId" = $1 AND "userId" = $2`,
    [teamId, userId],
  );
}

test.describe("single sign-on through the test identity provider", () => {
  // One IdP user, so the cases build on each other: refusal, invited sign-in, group removal, deactivation.
  test.describe.configure({ mode: "serial" });

  let state: E2eState;
  let db: E2eDb;
  let teamId: string;
  let invitationId: string | undefined;
  let idaId: string;
  const runId = randomBytes(4).toString("hex");

  test.beforeAll(async () => {
    state = readState();
    db = openDb(state);
    // The cases below are about the default sign-up policy; nothing in the suite should change it.
    const policy = await db.value<unknown>(`SELECT value FROM "Setting" WHERE key = 'auth.signUpPolicy'`);
    expect(policy ?? "invite-only").toBe("invite-only");
    await forgetIda(db, state);
    const [team] = await db.query<{ id: string }>(
      `INSERT INTO "Team" (id, slug, name, description, source, "externalId", "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, 'Synced from the IdP group "engineering" (e2e)', 'IDP', $3, ${UTC_NOW})
       RETURNING id`,
      [`sso-e2e-${runId}`, `Engineering (e2e ${runId})`, GROUP],
    );
    if (!team) throw new Error("could not create the IdP team");
    teamId = team.id;
  });

  test.afterAll(async () => {
    if (!db) return;
    try {
      await forgetIda(db, state);
      if (invitationId) await db.query(`DELETE FROM "Invitation" WHERE id = $1`, [invitationId]);
      if (teamId) await db.query(`DELETE FROM "Team" WHERE id = $1`, [teamId]);
      // What serve.ts starts the IdP with.
      await setIdpGroups(state, state.idp.user.email, [GROUP]);
    } finally {
      await db.end();
    }
  });

  test("without an invitation an SSO user is refused with the invite-only message", async ({
    page,
    consoleProblems,
  }) => {
    const email = state.idp.user.email.toLowerCase();
    const refusalsBefore = await countAudit(
      db,
      `action = 'auth.signin.failed' AND reason = 'invite-only' AND metadata->>'email' = $1`,
      [email],
    );
    await setIdpGroups(state, state.idp.user.email, [GROUP]);

    await signInThroughIdp(page, state);

    await expect(page).toHaveURL(/\/signin\?error=invite-only$/);
    // Next's route announcer is an alert too: pick ours by its text.
    await expect(page.getByRole("alert").filter({ hasText: "invite-only" })).toHaveText(INVITE_ONLY);
    await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();

    expect(await findIda(db, state)).toBeUndefined();
    expect(
      await db.value<string>(`SELECT count(*)::text AS value FROM "Account" WHERE provider = 'oidc'`),
    ).toBe("0");
    expect(
      await db.value<string>(`SELECT count(*)::text AS value FROM "TeamMember" WHERE "teamId" = $1`, [
        teamId,
      ]),
    ).toBe("0");
    expect(
      await countAudit(
        db,
        `action = 'auth.signin.failed' AND reason = 'invite-only' AND metadata->>'email' = $1`,
        [email],
      ),
    ).toBe(refusalsBefore + 1);
    expect(consoleProblems).toEqual([]);
  });

  test("an invited SSO user signs in and joins the team mapped from her group claim", async ({
    page,
    consoleProblems,
  }) => {
    const email = state.idp.user.email.toLowerCase();
    const [invitation] = await db.query<{ id: string }>(
      `INSERT INTO "Invitation" (id, email, role, "tokenHash", "invitedById", "expiresAt")
       SELECT gen_random_uuid(), $1, 'BASIC_USER', $2, u.id, ${UTC_NOW} + interval '1 day'
       FROM "User" u WHERE u.email = $3
       RETURNING id`,
      [email, randomBytes(32).toString("hex"), state.ownerEmail.toLowerCase()],
    );
    if (!invitation) throw new Error(`could not invite ${email}: no user ${state.ownerEmail}`);
    invitationId = invitation.id;
    await setIdpGroups(state, state.idp.user.email, [GROUP]);

    await signInThroughIdp(page, state);

    // A Basic user lands on the Overview made for members, without the operators' sections.
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "System status" })).toHaveCount(0);
    await expect(await openAccountMenu(page)).toContainText(email);
    await expect(page.getByTestId("current-role")).toHaveText("Basic user");

    const ida = await findIda(db, state);
    expect(ida).toMatchObject({ role: "BASIC_USER", status: "ACTIVE", name: state.idp.user.name });
    if (!ida) throw new Error("unreachable");
    idaId = ida.id;
    expect(
      await db.value<string>(`SELECT provider AS value FROM "Account" WHERE "userId" = $1`, [idaId]),
    ).toBe("oidc");
    expect(
      await db.value<boolean>(`SELECT "acceptedAt" IS NOT NULL AS value FROM "Invitation" WHERE id = $1`, [
        invitationId,
      ]),
    ).toBe(true);
    expect(await membershipSource(db, teamId, idaId)).toBe("IDP");
    expect(
      await countAudit(
        db,
        `action = 'user.create' AND "targetId" = $1 AND metadata->>'because' = 'invitation'`,
        [idaId],
      ),
    ).toBe(1);
    expect(
      await countAudit(
        db,
        `action = 'team.member.add' AND "targetId" = $1 AND metadata->>'userId' = $2 AND metadata->>'source' = 'idp-sync'`,
        [teamId, idaId],
      ),
    ).toBe(1);

    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/signin$/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/signin$/);
    expect(consoleProblems).toEqual([]);
  });

  test("a later sign-in without the group claim removes the IdP membership", async ({
    page,
    consoleProblems,
  }) => {
    await setIdpGroups(state, state.idp.user.email, []);

    await signInThroughIdp(page, state);

    await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
    await openAccountMenu(page);
    await expect(page.getByTestId("current-role")).toHaveText("Basic user");

    // Same account, not a second one, and the synced membership is gone.
    expect((await findIda(db, state))?.id).toBe(idaId);
    expect(await membershipSource(db, teamId, idaId)).toBeUndefined();
    expect(
      await countAudit(
        db,
        `action = 'team.member.remove' AND "targetId" = $1 AND metadata->>'userId' = $2 AND metadata->>'source' = 'idp-sync'`,
        [teamId, idaId],
      ),
    ).toBe(1);
    expect(await countAudit(db, `action = 'user.create' AND "targetId" = $1`, [idaId])).toBe(1);
    expect(consoleProblems).toEqual([]);
  });

  test("a deactivated SSO user cannot sign in, and her groups are not synced", async ({
    page,
    consoleProblems,
  }) => {
    const email = state.idp.user.email.toLowerCase();
    await db.query(
      `UPDATE "User" SET status = 'DEACTIVATED', "deactivatedAt" = ${UTC_NOW}, "sessionVersion" = "sessionVersion" + 1
       WHERE id = $1`,
      [idaId],
    );
    const refusalsBefore = await countAudit(
      db,
      `action = 'auth.signin.failed' AND reason = 'deactivated' AND metadata->>'email' = $1`,
      [email],
    );
    // The group is back in the claim: a refused sign-in must not act on it.
    await setIdpGroups(state, state.idp.user.email, [GROUP]);

    await signInThroughIdp(page, state);

    await expect(page).toHaveURL(/\/signin\?error=deactivated$/);
    await expect(page.getByRole("alert").filter({ hasText: "deactivated" })).toHaveText(DEACTIVATED);
    await page.goto("/");
    await expect(page).toHaveURL(/\/signin$/);

    expect(await membershipSource(db, teamId, idaId)).toBeUndefined();
    expect(
      await countAudit(
        db,
        `action = 'auth.signin.failed' AND reason = 'deactivated' AND metadata->>'email' = $1`,
        [email],
      ),
    ).toBe(refusalsBefore + 1);
    expect(consoleProblems).toEqual([]);
  });
});
