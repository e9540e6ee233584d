import { expect, test } from "./fixtures";
import { openAccountMenu } from "./sign-in-as";
import { ownerPassword, readState } from "./state";

// These start signed out.
test.use({ storageState: { cookies: [], origins: [] } });

test.describe("signing in and out", () => {
  test("every page sends a signed-out visitor to the sign-in page, which will bring them back", async ({
    page,
    consoleProblems,
  }) => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/signin$/);
    for (const path of ["/settings", "/users?q=ada"]) {
      await page.goto(path);
      await expect(page).toHaveURL(`/signin?callbackUrl=${encodeURIComponent(path)}`);
    }
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Continue with Test IdP" })).toBeVisible();
    expect(consoleProblems).toEqual([]);
  });

  test("a wrong password and an unknown email get the same message", async ({ page }) => {
    const state = readState();
    for (const email of [state.ownerEmail, "nobody-here@example.test"]) {
      await page.goto("/signin");
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("not-the-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "do not match" })).toHaveText(
        "That email and password do not match an account.",
      );
    }
  });

  test("signing in after following a link lands on the page the link named", async ({
    page,
    consoleProblems,
  }) => {
    const state = readState();
    await page.goto("/tokens");
    await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Ftokens$/);
    await page.getByLabel("Email").fill(state.ownerEmail);
    await page.getByLabel("Password").fill(ownerPassword(state));
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/tokens$/);
    await expect(page.getByRole("heading", { level: 1, name: /tokens/i })).toBeVisible();
    expect(consoleProblems).toEqual([]);
  });

  test("the owner signs in, sees their role, and signs out", async ({ page, consoleProblems }) => {
    const state = readState();
    await page.goto("/signin");
    await page.getByLabel("Email").fill(state.ownerEmail);
    await page.getByLabel("Password").fill(ownerPassword(state));
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
    await openAccountMenu(page);
    await expect(page.getByTestId("current-role")).toHaveText("Owner");
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/signin/);
    await page.goto("/settings");
    await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fsettings$/);
    expect(consoleProblems).toEqual([]);
  });
});
