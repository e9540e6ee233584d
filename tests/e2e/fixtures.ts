import { test as base, expect } from "@playwright/test";

/**
 * `page` that fails the test on any console error, CSP violation or uncaught page error: the shell
 * must render cleanly under the strict nonce-based CSP.
 */
export const test = base.extend<{ consoleProblems: string[] }>({
  consoleProblems: async ({ page }, use) => {
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") {
        problems.push(`${message.type()}: ${message.text()}`);
      }
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    await use(problems);
    expect(problems, "console errors, CSP violations or page errors").toEqual([]);
  },
});

export { expect };
