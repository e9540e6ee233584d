import { expect, test as setup } from "@playwright/test";
import { ownerPassword, readState } from "./state";

export const OWNER_STATE = `${process.env.E2E_OUTPUT_DIR ?? "test-results"}/.auth/owner.json`;

/** Signs in once as the demo owner through the real sign-in page; the other specs reuse the session. */
setup("sign in as the demo owner", async ({ page }) => {
  const state = readState();
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
  await page.getByLabel("Email").fill(state.ownerEmail);
  await page.getByLabel("Password").fill(ownerPassword(state));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await page.context().storageState({ path: OWNER_STATE });
});
