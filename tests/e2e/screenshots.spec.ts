import { expect, test } from "./fixtures";

/** Screenshots of the shell in both themes, saved for people to look at (tests/e2e/screenshots/, not committed). */
for (const theme of ["light", "dark"] as const) {
  test(`captures the overview and settings in ${theme} mode`, async ({ page, consoleProblems }) => {
    await page.emulateMedia({ colorScheme: theme });
    await page.setViewportSize({ width: 1440, height: 1000 });
    for (const [name, path] of [
      ["overview", "/"],
      ["settings", "/settings"],
      ["catalog", "/catalog"],
      ["audit", "/audit"],
    ] as const) {
      await page.goto(path);
      await expect(page.locator("main h1")).toBeVisible();
      if (name === "overview") {
        await expect(page.getByTestId("upstream-row").first()).toBeVisible();
        await expect(page.getByTestId("status-worker")).toHaveAttribute("data-state", "ok", {
          timeout: 30_000,
        });
      }
      await page.screenshot({ path: `tests/e2e/screenshots/${name}-${theme}.png`, fullPage: true });
    }
    expect(consoleProblems).toEqual([]);
  });
}

test.describe("signed out", () => {
  test.use({ storageState: { cookies: [], origins: [] } });
  for (const theme of ["light", "dark"] as const) {
    test(`captures the sign-in page in ${theme} mode`, async ({ page, consoleProblems }) => {
      await page.emulateMedia({ colorScheme: theme });
      await page.goto("/signin");
      await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
      await page.screenshot({ path: `tests/e2e/screenshots/signin-${theme}.png`, fullPage: true });
      expect(consoleProblems).toEqual([]);
    });
  }
});
