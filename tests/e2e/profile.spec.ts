import type { Browser, Page } from "@playwright/test";
import { hashPassword } from "../../server/crypto/password";
import { openDb, UTC_NOW } from "./db";
import { expect, test } from "./fixtures";
import { readState } from "./state";

// These sign in as a person of their own.
test.use({ storageState: { cookies: [], origins: [] } });

const OLD_PASSWORD = "the password an admin once saw";
const NEW_PASSWORD = "a passphrase only I know 42";

/** A Basic user of this test alone (changing a shared demo user's password would sign others out). */
async function createPerson(email: string): Promise<void> {
  const db = openDb(readState());
  try {
    await db.query(
      `INSERT INTO "User" (id, email, name, role, "passwordHash", "updatedAt")
       VALUES (gen_random_uuid(), $1, 'Pat Password', 'BASIC_USER', $2, ${UTC_NOW})`,
      [email, await hashPassword(OLD_PASSWORD)],
    );
  } finally {
    await db.end();
  }
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function newPage(browser: Browser, baseURL: string | undefined): Promise<Page> {
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  return context.newPage();
}

test("a person changes their own password: the old one stops working and their other sessions end", async ({
  page,
  browser,
  baseURL,
}) => {
  const email = `pat-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  await createPerson(email);
  await signIn(page, email, OLD_PASSWORD);
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  const elsewhere = await newPage(browser, baseURL);
  await signIn(elsewhere, email, OLD_PASSWORD);
  await expect(elsewhere.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();

  await page.goto("/profile");
  await page.getByTestId("change-password-button").click();
  const dialog = page.getByRole("dialog", { name: "Change password" });
  await dialog.getByLabel("Current password").fill("not my password at all");
  await dialog.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await dialog.getByLabel("Confirm new password").fill(NEW_PASSWORD);
  await dialog.getByRole("button", { name: "Change password" }).click();
  await expect(dialog.getByText("Your current password is not right.")).toBeVisible();
  // What was typed stays; only the wrong field needs fixing.
  await expect(dialog.getByLabel("New password", { exact: true })).toHaveValue(NEW_PASSWORD);
  await page.screenshot({ path: test.info().outputPath("change-password-error.png") });

  await dialog.getByLabel("Current password").fill(OLD_PASSWORD);
  await dialog.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed")).toBeVisible();
  await expect(dialog).toBeHidden();
  await page.screenshot({ path: test.info().outputPath("change-password-done.png") });

  // This session goes on; the other one is signed out on its next page.
  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeVisible();
  await elsewhere.goto("/profile");
  await expect(elsewhere).toHaveURL(/\/signin/);
  await signIn(elsewhere, email, OLD_PASSWORD);
  await expect(elsewhere.getByRole("alert").filter({ hasText: "do not match" })).toHaveText(
    "That email and password do not match an account.",
  );
  await signIn(elsewhere, email, NEW_PASSWORD);
  await expect(elsewhere.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await elsewhere.context().close();
});
