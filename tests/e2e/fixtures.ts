import { test as base, expect, type Page } from "@playwright/test";

/**
 * Collects the console errors and warnings (CSP violations among them) and uncaught page errors of
 * `page`. The fixture watches the test's own page; call this for pages of other browser contexts.
 */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      problems.push(`${message.type()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

/**
 * `page` that fails the test on any console error, CSP violation or uncaught page error: the shell
 * must render cleanly under the strict nonce-based CSP.
 */
export const test = base.extend<{ consoleProblems: string[] }>({
  consoleProblems: async ({ page }, use) => {
    const problems = watchConsole(page);
    await use(problems);
    expect(problems, "console errors, CSP violations or page errors").toEqual([]);
  },
});

export { expect };
