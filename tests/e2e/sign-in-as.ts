import { createHash } from "node:crypto";
import type { Browser, BrowserContext, Locator, Page } from "@playwright/test";
import { expect } from "@playwright/test";
import { hashPassword } from "../../server/crypto/password";
import { openDb } from "./db";
import { readState } from "./state";

/**
 * A browser context signed in as `email` through the real sign-in page. Demo users other than the
 * owner have no password, so one is set in the e2e database first (what an Admin's "reset
 * password" would do). The password is the same for a user throughout a run (derived from the
 * run's database and the email): two workers signing in as the same user at once must not
 * overwrite each other's password between setting it and typing it. The caller closes the context.
 */
export async function signInAs(
  browser: Browser,
  baseURL: string | undefined,
  email: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const state = readState();
  const password = `e2e-${createHash("sha256").update(`${state.databaseUrl}\n${email}`).digest("base64url").slice(0, 24)}`;
  const db = openDb(state);
  try {
    const rows = await db.query(`UPDATE "User" SET "passwordHash" = $1 WHERE email = $2 RETURNING id`, [
      await hashPassword(password),
      email,
    ]);
    if (rows.length !== 1) throw new Error(`no e2e user ${email}`);
  } finally {
    await db.end();
  }
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  return { context, page };
}

/**
 * Opens the account menu. Right after a sign-in the page is server-rendered before React attaches
 * its handlers, and a click in between does nothing, so the click is repeated until the menu shows
 * (never clicking an open menu shut).
 */
export async function openAccountMenu(page: Page): Promise<Locator> {
  const menu = page.getByRole("menu");
  await expect(async () => {
    if (!(await menu.isVisible())) await page.getByRole("button", { name: "Account menu" }).click();
    await expect(menu).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  return menu;
}
