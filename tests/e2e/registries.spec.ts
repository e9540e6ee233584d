import { randomBytes } from "node:crypto";
import { openDb } from "./db";
import { expect, test } from "./fixtures";
import { readState } from "./state";

/**
 * The Owner creates a registry, grants it to the demo Support team with one demo server narrowed
 * to one tool, and the access explorer then shows a Support member reaching that server through
 * it, with only that tool. Screenshots of the three pages go to tests/e2e/screenshots/.
 */
test("an Owner grants a team a server with a tool allow-list and the access explorer shows a member", async ({
  page,
  consoleProblems,
}) => {
  test.setTimeout(150_000);
  const suffix = randomBytes(3).toString("hex");
  const name = `Support tools ${suffix}`;
  const db = openDb(readState());
  // The worker discovers the demo upstream's tools shortly after start; the allow-list offers them.
  await expect
    .poll(
      () =>
        db.value<number>(
          `SELECT jsonb_array_length(v.capabilities->'tools') AS value
             FROM "Server" s JOIN "ServerVersion" v ON v.id = s."approvedVersionId"
            WHERE s.slug = 'everything-sse'`,
        ),
      { timeout: 90_000, message: "the demo SSE server's tools were not discovered" },
    )
    .toBeGreaterThan(0);
  await db.end();
  await page.setViewportSize({ width: 1440, height: 1000 });

  // Create the registry.
  await page.goto("/registries");
  await expect(page.getByRole("heading", { level: 1, name: "Registries" })).toBeVisible();
  await page.getByTestId("create-registry-button").click();
  const createDialog = page.getByTestId("create-registry-dialog");
  await createDialog.getByLabel("Name").fill(name);
  await expect(createDialog.getByLabel("Slug")).toHaveValue(`support-tools-${suffix}`);
  await createDialog.getByLabel("Description").fill("What the support team needs from the reference server.");
  await createDialog.getByRole("button", { name: "Create registry" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page).toHaveURL(/\/registries\/[0-9a-f-]{36}$/);

  // Grant it to the Support team.
  await page.getByTestId("add-subject-button").click();
  await page.getByRole("menuitem", { name: "To a team…" }).click();
  const teamDialog = page.getByTestId("add-team-dialog");
  await teamDialog.getByLabel("Search teams").fill("supp");
  await teamDialog.getByRole("button", { name: "Grant to Support", exact: true }).click();
  await expect(teamDialog.getByText("Granted", { exact: true })).toBeVisible();
  await teamDialog.getByRole("button", { name: "Done" }).click();
  await expect(
    page.getByTestId("registry-subject").and(page.locator('[data-kind="TEAM"][data-name="Support"]')),
  ).toBeVisible();

  // Add the demo SSE server, narrowed to the echo tool.
  await page.getByTestId("add-server-button").click();
  const serverDialog = page.getByTestId("add-server-dialog");
  await serverDialog
    .getByTestId("grantable-server")
    .and(page.locator('[data-slug="everything-sse"]'))
    .getByRole("button", { name: /^Select/ })
    .click();
  await serverDialog.getByLabel("Only selected tools").check();
  await serverDialog.getByRole("checkbox", { name: "echo", exact: true }).check();
  await expect(serverDialog.getByText(/^1 of \d+ selected$/)).toBeVisible();
  await page.screenshot({ path: "tests/e2e/screenshots/registry-grant-dialog.png" });
  await serverDialog.getByRole("button", { name: "Grant server" }).click();
  await expect(page.getByText(/added to Support tools/)).toBeVisible();
  const serverRow = page.getByTestId("registry-server").and(page.locator('[data-slug="everything-sse"]'));
  await expect(serverRow).toContainText("echo");
  await expect(serverRow).toContainText(/1 of \d+ tools/);
  await expect(page.getByText(/Granting 1 server/)).toBeVisible();
  await page.screenshot({ path: "tests/e2e/screenshots/registry-detail.png", fullPage: true });

  // The list shows it.
  await page.getByRole("link", { name: "All registries" }).click();
  const card = page.getByTestId("registry-card").and(page.locator(`[data-slug="support-tools-${suffix}"]`));
  await expect(card).toContainText("Support");
  await expect(card).toContainText("Everything over SSE (demo)");
  await page.screenshot({ path: "tests/e2e/screenshots/registries.png", fullPage: true });

  // The access explorer: a Support member reaches the server through this registry, with echo only.
  await page.goto("/access");
  await expect(page.getByRole("heading", { level: 1, name: "Access explorer" })).toBeVisible();
  await page.getByRole("searchbox", { name: "Servers" }).fill("sse");
  await page.getByTestId("server-picker-option").filter({ hasText: "Everything over SSE (demo)" }).click();
  await expect(page).toHaveURL(/\/access\?server=[0-9a-f-]{36}$/);
  const sam = page.getByTestId("reach-user").and(page.locator('[data-email="sam.support@gatehouse.local"]'));
  await expect(sam).toContainText(name);
  await expect(sam).toContainText("team Support");
  await expect(sam.getByTestId("tools").filter({ visible: true })).toHaveText("echo");
  // The Owner is in neither team the server is granted to.
  await expect(
    page.getByTestId("reach-user").and(page.locator('[data-email="owner@gatehouse.local"]')),
  ).toHaveCount(0);
  await page.screenshot({ path: "tests/e2e/screenshots/access-explorer.png", fullPage: true });

  // From the other side: what Sam reaches.
  await sam.getByRole("button", { name: "Sam Support" }).click();
  await expect(page).toHaveURL(/\/access\?user=[0-9a-f-]{36}$/);
  const reached = page.getByTestId("reach-server").and(page.locator('[data-slug="everything-sse"]'));
  await expect(reached).toContainText(name);
  await page.screenshot({ path: "tests/e2e/screenshots/access-explorer-user.png", fullPage: true });

  // The same pages in the dark theme and on a phone, for people to look at.
  const explorerUrl = page.url();
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto("/registries");
  await card.getByRole("link", { name }).click();
  await expect(serverRow).toBeVisible();
  const registryUrl = page.url();
  await page.screenshot({ path: "tests/e2e/screenshots/registry-detail-dark.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(explorerUrl);
  await expect(page.getByTestId("reach-server").first()).toBeVisible();
  await page.screenshot({ path: "tests/e2e/screenshots/access-explorer-mobile-dark.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto(registryUrl);
  await expect(serverRow).toBeVisible();
  await page.screenshot({ path: "tests/e2e/screenshots/registry-detail-mobile.png", fullPage: true });

  // Delete the registry again: the demo data stays as other journeys expect it.
  await page.getByTestId("delete-registry-button").click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete registry" }).click();
  await expect(page).toHaveURL(/\/registries$/);
  await expect(card).toHaveCount(0);
  expect(consoleProblems).toEqual([]);
});
