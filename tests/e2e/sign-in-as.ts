import { randomBytes } from "node:crypto";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { expect } from "@playwright/test";
import { hashPassword } from "../../server/crypto/password";
import { openDb } from "./db";
import { readState } from "./state";

/**
 * A browser context signed in as `email` through the real sign-in page. Demo users other than the
 * owner have no password, so one is set in the e2e database first (what an Admin's "reset
 * password" would do). The caller closes the context.
 */
export async function signInAs(
  browser: Browser,
  baseURL: string | undefined,
  email: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const password = `e2e-${randomBytes(12).toString("base64url")}`;
  const db = openDb(readState());
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
