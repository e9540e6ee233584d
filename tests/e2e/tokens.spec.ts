import { createHash, randomBytes, randomUUID } from "node:crypto";
import { type E2eDb, openDb, UTC_NOW } from "./db";
import { expect, test } from "./fixtures";
import { readState } from "./state";

/**
 * The demo owner connects the demo "everything" server, issues a token scoped to that connection,
 * sees it once and copies it, uses it, finds it in the list, and revokes it; then looks at every
 * user's tokens as an administrator. Screenshots go to tests/e2e/screenshots/ for people to look at.
 */

let db: E2eDb;
let ownerId: string;

test.beforeAll(async () => {
  const state = readState();
  db = openDb(state);
  ownerId =
    (await db.value<string>(`SELECT id AS value FROM "User" WHERE email = $1`, [state.ownerEmail])) ?? "";
});

test.afterAll(async () => {
  await db.end();
});

test("issue a scoped token, see it once, use it, and revoke it", async ({
  page,
  context,
  consoleProblems,
}) => {
  test.setTimeout(120_000);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.setViewportSize({ width: 1440, height: 1000 });
  const suffix = randomBytes(3).toString("hex");
  const connectionName = `Everything for agents ${suffix}`;
  const tokenName = `Claude Code ${suffix}`;

  // A connection to the demo server, through the UI.
  await page.goto("/catalog/everything/connect");
  await expect(page.getByTestId("no-configuration")).toBeVisible();
  await page.getByTestId("connection-name-input").fill(connectionName);
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  const connectionId = page.url().split("/").pop() ?? "";

  // An older token that never expires and reaches nothing, so the list shows both warnings.
  await db.query(
    `INSERT INTO "ApiToken" (id, "userId", name, "keyId", "secretHash", scopes, "createdAt")
     VALUES ($1, $2, $3, $4, $5, '[]', ${UTC_NOW} - interval '40 days')`,
    [randomUUID(), ownerId, `Old laptop ${suffix}`, `e2e${suffix}abc`.slice(0, 12), "0".repeat(64)],
  );

  await page.goto("/tokens");
  await expect(page.getByRole("heading", { level: 1, name: "API tokens" })).toBeVisible();
  await page.getByTestId("new-token-button").click();
  const dialog = page.getByTestId("new-token-dialog");
  await expect(dialog.getByRole("heading", { name: "New API token" })).toBeVisible();
  await expect(dialog.getByTestId("empty-scope-warning")).toBeVisible();
  await dialog.getByLabel("Name").fill(tokenName);

  // The scope: our connection to "everything", limited to the echo tool.
  const option = dialog.getByTestId("scope-connection-option").filter({ hasText: connectionName });
  await option.getByRole("checkbox").first().check();
  await expect(dialog.getByTestId("empty-scope-warning")).toHaveCount(0);
  await option.getByRole("checkbox", { name: `Limit ${connectionName} to some tools` }).check();
  const discovered = await db.value<boolean>(
    `SELECT v.capabilities IS NOT NULL AS value FROM "Server" s JOIN "ServerVersion" v ON v.id = s."approvedVersionId"
     WHERE s.slug = 'everything'`,
  );
  if (discovered) await option.getByRole("checkbox", { name: "echo", exact: true }).check();
  else await option.getByRole("textbox", { name: `Tool names for ${connectionName}` }).fill("echo");
  await dialog.getByLabel("Expires after").selectOption("7");
  await dialog.getByLabel(/Allowed networks/).fill("127.0.0.1\n::1");
  await page.screenshot({ path: "tests/e2e/screenshots/token-new.png" });
  await dialog.getByTestId("create-token-submit").click();

  // Shown once, with a copy button and how to use it.
  const created = dialog.getByTestId("token-created");
  await expect(created).toBeVisible();
  await expect(created).toContainText("You will not see this token again.");
  const token = await created.getByTestId("new-token-value").inputValue();
  expect(token).toMatch(/^gh_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
  const keyId = token.slice(3, 15);
  await expect(created.getByRole("link", { name: new RegExp(`Set up ${connectionName}`) })).toHaveAttribute(
    "href",
    `/connections/${connectionId}`,
  );
  await expect(page.locator("[data-sonner-toast]")).toHaveCount(0, { timeout: 15_000 });
  await page.screenshot({ path: "tests/e2e/screenshots/token-created.png" });
  await created.getByRole("button", { name: "Copy api token" }).click();
  await expect(page.getByText("API token copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);

  // Stored as a hash of the secret, scoped as chosen.
  const [row] = await db.query<{ id: string; secretHash: string; scopes: unknown; ipAllowList: string[] }>(
    `SELECT id, "secretHash", scopes, "ipAllowList" FROM "ApiToken" WHERE "keyId" = $1`,
    [keyId],
  );
  expect(row?.secretHash).toBe(createHash("sha256").update(token.slice(16)).digest("hex"));
  expect(row?.scopes).toEqual([{ connectionId, tools: ["echo"] }]);
  expect(row?.ipAllowList).toEqual(["127.0.0.1", "::1"]);

  // Closing the dialog forgets it; the list shows the token by its prefix only.
  await created.getByTestId("token-created-done").click();
  await expect(dialog).toHaveCount(0);
  const item = page.getByTestId("token-row").and(page.locator(`[data-token-id="${row?.id}"]`));
  await expect(item).toContainText(tokenName);
  await expect(item.getByTestId("token-prefix")).toHaveText(`gh_${keyId}_…`);
  await expect(item.getByTestId("token-status")).toHaveText("Active");
  await expect(item.getByTestId("token-scope")).toContainText(connectionName);
  await expect(item.getByTestId("token-scope")).toContainText("[echo]");
  await expect(item.getByTestId("token-expiry")).toHaveAttribute("data-expiry", "soon");
  await expect(item.getByTestId("token-last-used")).toHaveText("Never");
  expect(await page.content()).not.toContain(token.slice(16));

  // An agent uses it (the Registry API takes the same tokens); the list shows the use.
  const registry = await page.request.get("/v0.1/servers", { headers: { authorization: `Bearer ${token}` } });
  expect(registry.status()).toBe(200);
  await page.reload();
  await expect(item.getByTestId("token-usage")).toHaveText("1");
  await expect(item.getByTestId("token-last-used")).not.toHaveText("Never");

  await expect(page.locator("[data-sonner-toast]")).toHaveCount(0, { timeout: 15_000 });
  await page.screenshot({ path: "tests/e2e/screenshots/tokens.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: "tests/e2e/screenshots/tokens-dark.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "tests/e2e/screenshots/tokens-mobile.png", fullPage: true });
  await page.setViewportSize({ width: 1440, height: 1000 });

  // An administrator sees it among everyone's active tokens.
  await page.getByRole("tab", { name: "All tokens" }).click();
  await expect(page).toHaveURL(/\/tokens\?view=all$/);
  const adminRow = page.getByTestId("all-tokens-row").and(page.locator(`[data-token-id="${row?.id}"]`));
  await expect(adminRow).toContainText(tokenName);
  await page.screenshot({ path: "tests/e2e/screenshots/tokens-admin.png", fullPage: true });
  await page.getByRole("tab", { name: "My tokens" }).click();

  // Revoke, after a confirmation that says what happens.
  await item.getByRole("button", { name: `Revoke ${tokenName}` }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText(`gh_${keyId}_…`);
  await expect(confirm).toContainText("This cannot be undone.");
  await confirm.getByRole("button", { name: "Revoke token" }).click();
  await expect(page.getByText("Token revoked")).toBeVisible();
  await expect(page.getByTestId("tokens-list").locator(`[data-token-id="${row?.id}"]`)).toHaveCount(0);
  await page.getByRole("button", { name: /Show \d+ revoked or expired tokens?/ }).click();
  const revokedItem = page.getByTestId("inactive-tokens-list").locator(`[data-token-id="${row?.id}"]`);
  await expect(revokedItem.getByTestId("token-status")).toHaveText("Revoked");
  await expect(revokedItem.getByRole("button", { name: /Revoke/ })).toHaveCount(0);
  expect(
    await db.value<boolean>(`SELECT "revokedAt" IS NOT NULL AS value FROM "ApiToken" WHERE id = $1`, [
      row?.id,
    ]),
  ).toBe(true);
  const refused = await page.request.get("/v0.1/servers", { headers: { authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);

  expect(consoleProblems).toEqual([]);
});
