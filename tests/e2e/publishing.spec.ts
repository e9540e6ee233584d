import { randomBytes } from "node:crypto";
import type { Locator, Page } from "@playwright/test";
import { demoUpstreamUrl } from "./demo";
import { expect, test, watchConsole } from "./fixtures";
import { signInAs } from "./sign-in-as";

/**
 * Publishing, from the people who do it: a Power user publishes a personal server (usable at once,
 * by them alone); a Power user+ submits a shared one, an Admin rejects it with a reason and later
 * approves it, and the publisher hears about both through the bell; a server.json pasted into the
 * import page becomes a draft. Every name carries a per-run suffix: other spec files share the
 * database and the demo users. Screenshots go to tests/e2e/screenshots/ for people to look at.
 */

const SUFFIX = randomBytes(3).toString("hex");
const DANA = "dana.data@gatehouse.local";
const PAT = "pat.publisher@gatehouse.local";
const ARI = "ari.admin@gatehouse.local";
const BAD_REQUEST = "error: Failed to load resource: the server responded with a status of 400 (Bad Request)";

/** A full-page screenshot without sticky bars repeated mid-page: the viewport grows to the page. */
async function fullPageShot(page: Page, path: string) {
  const size = page.viewportSize() ?? { width: 1440, height: 1000 };
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: size.width, height });
  await page.screenshot({ path });
  await page.setViewportSize(size);
}

function section(page: Page, name: "basics" | "transport" | "configuration" | "scope" | "version"): Locator {
  return page.getByTestId(`section-${name}`);
}

async function fillBasics(page: Page, options: { name: string; description: string; tags: string[] }) {
  const basics = section(page, "basics");
  await basics.getByLabel("Name", { exact: true }).fill(options.name);
  await basics.getByRole("textbox", { name: /^Description/ }).fill(options.description);
  const tags = basics.getByLabel(/^Tags/);
  for (const tag of options.tags) {
    await tags.fill(tag);
    await tags.press("Enter");
  }
}

async function openBell(page: Page): Promise<Locator> {
  await page.getByTestId("notifications-bell").click();
  const menu = page.getByTestId("notifications-menu");
  await expect(menu).toBeVisible();
  return menu;
}

test("a Power user publishes a personal server that only they can see", async ({ browser, baseURL }) => {
  test.setTimeout(150_000);
  const url = await demoUpstreamUrl();
  const name = `Dana notes ${SUFFIX}`;
  const slug = `dana-notes-${SUFFIX}`;
  const dana = await signInAs(browser, baseURL, DANA);
  const danaProblems = watchConsole(dana.page);
  try {
    await dana.page.setViewportSize({ width: 1440, height: 1000 });
    await dana.page.goto("/servers");
    await expect(dana.page.getByRole("heading", { level: 1, name: "My servers" })).toBeVisible();
    await dana.page.getByTestId("publish-link").click();
    await expect(dana.page.getByRole("heading", { level: 1, name: "Publish a server" })).toBeVisible();

    await fillBasics(dana.page, {
      name,
      description: "My **own** notes server. Only I can use it.",
      tags: ["notes", "personal"],
    });
    // The slug follows the name until edited.
    await expect(section(dana.page, "basics").getByLabel("Slug")).toHaveValue(slug);
    await expect(section(dana.page, "basics").getByTestId("tag-chip")).toHaveText(["notes", "personal"]);
    // The markdown preview renders what the catalog will show.
    await section(dana.page, "basics").getByRole("tab", { name: "Preview" }).click();
    await expect(dana.page.getByTestId("markdown-preview").locator("strong")).toHaveText("own");

    await section(dana.page, "transport").getByLabel("Server URL").fill(url);
    // A Power user may only publish personal servers: no "Shared" choice, and no approval.
    await expect(section(dana.page, "scope").getByRole("radio", { name: /^Personal/ })).toBeChecked();
    await expect(section(dana.page, "scope").getByRole("radio", { name: /^Shared/ })).toHaveCount(0);
    await expect(dana.page.getByTestId("publish-button")).toHaveText("Publish");
    await dana.page.getByTestId("publish-button").click();

    await expect(dana.page).toHaveURL(/\/servers\/[0-9a-f-]{36}$/);
    const manage = dana.page.getByTestId("server-manage");
    await expect(manage).toHaveAttribute("data-status", "APPROVED");
    await expect(manage.getByTestId("scope-badge")).toHaveText("Personal");
    await expect(dana.page.getByRole("heading", { level: 1, name })).toBeVisible();
    await expect(dana.page.getByTestId("version-card").getByTestId("runs-on")).toHaveText(url);
    // The worker discovers the tools; the page polls until they appear.
    const tools = dana.page.getByTestId("tools-disclosure");
    await expect(tools).toBeVisible({ timeout: 60_000 });
    await tools.locator("summary").click();
    await expect(dana.page.getByTestId("discovered-tool").filter({ hasText: "echo" }).first()).toBeVisible();
    await dana.page.screenshot({ path: "tests/e2e/screenshots/server-manage.png", fullPage: true });
    await dana.page.emulateMedia({ colorScheme: "dark" });
    await dana.page.screenshot({ path: "tests/e2e/screenshots/server-manage-dark.png" });
    await dana.page.emulateMedia({ colorScheme: "light" });
    await dana.page.setViewportSize({ width: 390, height: 844 });
    await dana.page.screenshot({ path: "tests/e2e/screenshots/server-manage-mobile.png" });
    await dana.page.setViewportSize({ width: 1440, height: 1000 });

    // A new version of a personal server is live at once; it starts from the current definition.
    await dana.page.getByTestId("new-version").click();
    const dialog = dana.page.getByTestId("version-dialog");
    await expect(dialog.getByLabel("Version", { exact: true })).toHaveValue("1.0.1");
    await expect(dialog.getByLabel("Server URL")).toHaveValue(url);
    await dialog.getByTestId("add-config-field").click();
    const header = dialog.getByTestId("config-field-row");
    await header.getByLabel("Name", { exact: true }).fill("X-Notebook");
    await header.getByLabel("Label", { exact: true }).fill("Notebook");
    await header.getByRole("radio", { name: /^You, once for everyone/ }).check();
    await header.getByLabel("Shared value").fill("research");
    await dana.page.screenshot({ path: "tests/e2e/screenshots/version-dialog.png" });
    await dialog.getByTestId("version-publish").click();
    await expect(dialog).toHaveCount(0);
    const versions = dana.page.getByTestId("version-card");
    await expect(versions).toHaveCount(2);
    await expect(versions.nth(0)).toHaveAttribute("data-version", "1.0.1");
    await expect(versions.nth(0)).toHaveAttribute("data-status", "APPROVED");
    await expect(versions.nth(0)).toContainText("Live: new connections use this version");
    await expect(versions.nth(0).getByTestId("version-config")).toContainText("research");

    // It is in Dana's catalog at once…
    await dana.page.getByTestId("open-in-catalog").click();
    await expect(dana.page).toHaveURL(new RegExp(`/catalog/${slug}$`));
    await dana.page.goto("/catalog");
    await dana.page.getByTestId("catalog-search").fill(name);
    await expect(dana.page.locator(`[data-testid="catalog-card"][data-slug="${slug}"]`)).toBeVisible();
    // …and in her list of servers.
    await dana.page.goto("/servers");
    await expect(dana.page.locator(`[data-testid="server-row"][data-slug="${slug}"]`)).toContainText(
      "Approved",
    );
    expect(danaProblems).toEqual([]);
  } finally {
    await dana.context.close();
  }

  // Another user neither finds it in the catalog nor can open its page.
  const pat = await signInAs(browser, baseURL, PAT);
  try {
    await pat.page.goto("/catalog");
    await pat.page.getByTestId("catalog-search").fill(name);
    await expect(
      pat.page.getByTestId("catalog-no-results").or(pat.page.getByTestId("catalog-empty")),
    ).toBeVisible();
    await expect(pat.page.locator(`[data-testid="catalog-card"][data-slug="${slug}"]`)).toHaveCount(0);
    await pat.page.goto(`/catalog/${slug}`);
    await expect(pat.page.getByTestId("catalog-server-not-found")).toBeVisible();
  } finally {
    await pat.context.close();
  }
});

test("a shared server is rejected with a reason, resubmitted and approved", async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const url = await demoUpstreamUrl();
  const name = `Team search ${SUFFIX}`;
  const slug = `team-search-${SUFFIX}`;
  const reason = `Describe what the tools do (${SUFFIX}).`;
  const pat = await signInAs(browser, baseURL, PAT);
  const ari = await signInAs(browser, baseURL, ARI);
  const patProblems = watchConsole(pat.page);
  const ariProblems = watchConsole(ari.page);
  try {
    await pat.page.setViewportSize({ width: 1440, height: 1000 });
    await ari.page.setViewportSize({ width: 1440, height: 1000 });

    // Pat fills the form: a shared server with a per-user secret header.
    await pat.page.goto("/servers/new");
    await fillBasics(pat.page, {
      name,
      description: "Search across the team's documents.",
      tags: ["search"],
    });
    const slugInput = section(pat.page, "basics").getByLabel("Slug");
    await slugInput.fill("new");
    await section(pat.page, "transport").getByLabel("Server URL").fill(url);
    const configuration = section(pat.page, "configuration");
    await configuration.getByTestId("add-config-field").click();
    const field = configuration.getByTestId("config-field-row");
    await expect(field.getByLabel("Where it goes")).toHaveValue("header");
    await field.getByLabel("Name", { exact: true }).fill("X-Search-Token");
    await field.getByLabel("Label", { exact: true }).fill("Search token");
    await field.getByLabel(/^Help text/).fill("Create one in the search console under API access.");
    await field.getByRole("switch", { name: "Secret" }).click();
    await expect(field.getByRole("radio", { name: /^Each user/ })).toBeChecked();
    await section(pat.page, "scope")
      .getByRole("radio", { name: /^Shared/ })
      .check();
    const publish = pat.page.getByTestId("publish-button");
    await expect(publish).toHaveText("Submit for approval");
    await fullPageShot(pat.page, "tests/e2e/screenshots/publish-form.png");
    await pat.page.setViewportSize({ width: 390, height: 844 });
    await fullPageShot(pat.page, "tests/e2e/screenshots/publish-form-mobile.png");
    await pat.page.setViewportSize({ width: 1440, height: 1000 });

    // A reserved slug is refused, next to the slug and in the summary at the top.
    await publish.click();
    await expect(pat.page.getByTestId("form-error-summary")).toContainText('"new" is reserved');
    await expect(slugInput).toHaveAttribute("aria-invalid", "true");
    await expect(
      section(pat.page, "basics").getByText('"new" is reserved; choose another slug.'),
    ).toBeVisible();
    expect(patProblems).toEqual([BAD_REQUEST]);
    patProblems.length = 0;

    await slugInput.fill(slug);
    await publish.click();
    await expect(pat.page).toHaveURL(/\/servers\/[0-9a-f-]{36}$/);
    const serverPath = new URL(pat.page.url()).pathname;
    await expect(pat.page.getByTestId("server-manage")).toHaveAttribute("data-status", "PENDING_APPROVAL");
    await expect(pat.page.getByTestId("status-banner")).toContainText("waiting for an admin's review");

    // Ari's bell announces it; the notice opens the review queue at this server, marked.
    await ari.page.goto("/servers");
    const ariMenu = await openBell(ari.page);
    await ariMenu
      .getByTestId("notification")
      .filter({ hasText: `"${name}" 1.0.0 waits for your review` })
      .click();
    await expect(ari.page).toHaveURL(/\/reviews\?server=[0-9a-f-]{36}$/);
    const reviewsForServer = new URL(ari.page.url()).pathname + new URL(ari.page.url()).search;
    const card = ari.page.locator(`[data-testid="review-card"][data-server="${slug}"]`);
    await expect(card).toBeVisible();
    await expect(card).toHaveAttribute("data-focus", "true");
    await expect(ari.page.getByTestId("focus-decided")).toHaveCount(0);

    // Ari rejects it with a reason.
    await expect(card).toContainText("New server");
    await expect(card.getByTestId("discovery-counts")).toBeVisible({ timeout: 30_000 });
    await card.getByTestId("show-tools").click();
    await expect(card.getByTestId("discovered-tool").filter({ hasText: "echo" }).first()).toBeVisible();
    await expect(card.getByTestId("runs-on")).toHaveText(url);
    await ari.page.screenshot({ path: "tests/e2e/screenshots/reviews.png", fullPage: true });
    await card.getByTestId("reject-button").click();
    // A rejection needs a reason.
    await card.getByTestId("confirm-reject").click();
    await expect(card.getByText("Say why, so the owner knows what to change.")).toBeVisible();
    await card.getByLabel("Why isn't it approved?").fill(reason);
    await card.getByTestId("confirm-reject").click();
    await expect(card).toHaveCount(0);

    // Pat's bell shows the decision and the reason; opening it leads to the server and marks it read.
    await pat.page.goto("/servers");
    await expect(pat.page.getByTestId("notifications-unread")).toBeVisible();
    let menu = await openBell(pat.page);
    const rejected = menu.getByTestId("notification").filter({ hasText: `"${name}" 1.0.0 was not approved` });
    await expect(rejected).toContainText(reason);
    await expect(rejected).toHaveAttribute("data-unread", "true");
    await rejected.click();
    await expect(pat.page).toHaveURL(new RegExp(`${serverPath}$`));
    await expect(pat.page.getByTestId("server-manage")).toHaveAttribute("data-status", "REJECTED");
    await expect(pat.page.getByTestId("review-reason")).toContainText(reason);
    await pat.page.screenshot({ path: "tests/e2e/screenshots/server-rejected.png" });
    menu = await openBell(pat.page);
    await expect(
      menu.getByTestId("notification").filter({ hasText: `"${name}" 1.0.0 was not approved` }),
    ).not.toHaveAttribute("data-unread", "true");
    await pat.page.keyboard.press("Escape");

    // Pat submits it again; Ari approves it from the queue.
    await pat.page.getByTestId("banner-submit").click();
    await expect(pat.page.getByTestId("server-manage")).toHaveAttribute("data-status", "PENDING_APPROVAL");
    await ari.page.goto("/reviews");
    await expect(card).toBeVisible();
    await card.getByTestId("approve-button").click();
    await expect(card).toHaveCount(0);
    // The notice's link, opened after the decision, says that nothing of it waits any more.
    await ari.page.goto(reviewsForServer);
    await expect(ari.page.getByTestId("focus-decided")).toContainText("someone has already decided");

    await pat.page.reload();
    await expect(pat.page.getByTestId("server-manage")).toHaveAttribute("data-status", "APPROVED");
    menu = await openBell(pat.page);
    await expect(
      menu.getByTestId("notification").filter({ hasText: `"${name}" 1.0.0 was approved` }),
    ).toBeVisible();
    await pat.page.screenshot({ path: "tests/e2e/screenshots/notifications.png" });
    await menu.getByTestId("mark-all-read").click();
    await expect(pat.page.getByTestId("notifications-unread")).toHaveCount(0);
    await pat.page.keyboard.press("Escape");

    // The list shows where each of Pat's servers stands.
    await pat.page.goto("/servers");
    await expect(pat.page.locator(`[data-testid="server-row"][data-slug="${slug}"]`)).toContainText(
      "Approved",
    );
    await pat.page.screenshot({ path: "tests/e2e/screenshots/servers.png", fullPage: true });
    expect(patProblems).toEqual([]);
    expect(ariProblems).toEqual([]);
  } finally {
    await pat.context.close();
    await ari.context.close();
  }
});

test("a pasted server.json is previewed and imported as a draft", async ({ page, consoleProblems }) => {
  const registryName = `io.github.e2e-${SUFFIX}/forecast`;
  const document = JSON.stringify(
    {
      $schema: "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
      name: registryName,
      title: `Forecast ${SUFFIX}`,
      description: "Forecasts for any city, with **alerts**.",
      version: "2.1.0",
      remotes: [
        {
          type: "streamable-http",
          url: "https://93.184.216.34/mcp",
          headers: [{ name: "X-Api-Key", description: "Your API key", isSecret: true, isRequired: true }],
        },
      ],
      packages: [
        {
          registryType: "npm",
          identifier: "@acme/forecast-mcp",
          version: "2.1.0",
          transport: { type: "stdio" },
          environmentVariables: [{ name: "FORECAST_API_KEY", isSecret: true, isRequired: true }],
        },
        { registryType: "pypi", identifier: "acme-forecast", version: "2.1.0", transport: { type: "stdio" } },
      ],
    },
    null,
    2,
  );

  await page.goto("/servers/import");
  await expect(page.getByRole("heading", { level: 1, name: "Import server.json" })).toBeVisible();
  // Something that is not JSON is explained, not imported.
  await page.getByTestId("import-document").fill("{ not json");
  await page.getByTestId("preview-import").click();
  await expect(page.getByTestId("import-errors")).toContainText("not valid JSON");

  await page.getByTestId("import-document").fill(document);
  await page.getByTestId("preview-import").click();
  const preview = page.getByTestId("import-preview");
  await expect(preview.getByTestId("import-name")).toHaveText(`Forecast ${SUFFIX}`);
  await expect(preview.getByTestId("import-warnings")).toContainText("pypi");
  const variants = preview.getByTestId("import-variant");
  await expect(variants).toHaveCount(2);
  await expect(variants.nth(0)).toContainText("https://93.184.216.34/mcp");
  await expect(variants.nth(1)).toContainText("npx -y @acme/forecast-mcp@2.1.0");
  await expect(preview).toContainText("Imports land as drafts");
  await page.setViewportSize({ width: 1440, height: 1000 });
  await fullPageShot(page, "tests/e2e/screenshots/import-preview.png");
  await variants.nth(1).getByRole("radio").check();
  await preview.getByTestId("import-button").click();

  await expect(page).toHaveURL(/\/servers\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("server-manage")).toHaveAttribute("data-status", "DRAFT");
  await expect(page.getByTestId("status-banner")).toContainText("Draft: nobody can use this server yet.");
  await expect(page.getByTestId("version-card").getByTestId("runs-on")).toHaveText(
    "npx -y @acme/forecast-mcp@2.1.0",
  );
  await expect(page.getByTestId("details")).toContainText(registryName);
  // A stdio package is not run (nor discovered) before an admin approves it.
  await expect(page.getByTestId("discovery-awaits-approval")).toBeVisible();
  await expect(page.getByTestId("refresh-discovery")).toHaveCount(0);
  await page.screenshot({ path: "tests/e2e/screenshots/server-draft.png", fullPage: true });

  // The draft's command reads back into template, package and version; an argument is added.
  await page.getByRole("button", { name: "Edit this version" }).click();
  const dialog = page.getByTestId("version-dialog");
  await expect(dialog.getByLabel("Package", { exact: true })).toHaveValue("@acme/forecast-mcp");
  await expect(dialog.getByLabel("Exact version")).toHaveValue("2.1.0");
  await dialog.getByRole("button", { name: "Add argument" }).click();
  await dialog.getByLabel("Argument 1", { exact: true }).fill("--units=metric");
  await expect(dialog.getByTestId("command-preview")).toHaveText(
    "npx -y @acme/forecast-mcp@2.1.0 --units=metric",
  );
  await dialog.getByTestId("version-save").click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId("version-card").getByTestId("runs-on")).toHaveText(
    "npx -y @acme/forecast-mcp@2.1.0 --units=metric",
  );

  // Details change without a new version.
  await page.getByTestId("edit-details").click();
  const details = page.getByTestId("edit-details-dialog");
  await details.getByRole("textbox", { name: /^Description/ }).fill("Forecasts, now with *pollen* counts.");
  // Typed changes are not lost to a stray Escape: it asks, and "Cancel" goes back to the form.
  await page.keyboard.press("Escape");
  const discard = page.getByRole("alertdialog");
  await expect(discard).toContainText("Discard your changes?");
  await discard.getByRole("button", { name: "Cancel" }).click();
  await expect(details.getByRole("textbox", { name: /^Description/ })).toHaveValue(
    "Forecasts, now with *pollen* counts.",
  );
  await details.getByRole("button", { name: "Save details" }).click();
  await expect(details).toHaveCount(0);
  await expect(page.getByTestId("about").locator("em")).toHaveText("pollen");
  expect(consoleProblems).toEqual([]);
});

test("admins keep the stdio command allow-list in settings", async ({ page, consoleProblems }) => {
  await page.setViewportSize({ width: 1440, height: 1000 });
  await page.goto("/settings");
  const card = page.getByTestId("command-templates");
  await expect(card.locator('[data-testid="command-template"][data-id="npx"]')).toContainText(
    "npx -y {package}@{version}",
  );
  // The network stdio servers get here: guarded by default, and so wherever namespaces can be made
  // (the test server runs as root in CI).
  const network = card.getByTestId("stdio-network");
  await expect(network).toContainText("GATEHOUSE_STDIO_NETWORK=guarded");
  if (process.getuid?.() === 0) {
    await expect(network).toContainText("Guarded");
    await expect(network).toContainText("their only way out is Gatehouse's egress proxy");
  }
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: "tests/e2e/screenshots/command-templates.png" });

  // What the browser can check, it checks; what only the server knows is shown next to the input.
  await card.getByTestId("add-template").click();
  const dialog = page.getByTestId("template-dialog");
  await dialog.getByLabel("Label").fill("Shell (never allowed)");
  await expect(dialog.getByLabel("Id")).toHaveValue("shell");
  await dialog.getByLabel("Arguments").fill("-c run");
  await dialog.getByTestId("save-template").click();
  await expect(dialog.getByText("Enter the executable, e.g. npx.")).toBeVisible();
  await expect(dialog.getByText("Use {package} in one of the arguments.")).toBeVisible();
  await dialog.getByLabel("Command").fill("/bin/sh");
  await dialog.getByLabel("Arguments").fill("-c {package}");
  await dialog.getByTestId("save-template").click();
  await expect(dialog.getByLabel("Command")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog).toContainText("a bare executable name such as npx");
  expect(consoleProblems).toEqual([BAD_REQUEST]);
  consoleProblems.length = 0;
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(card.getByText("Shell (never allowed)")).toHaveCount(0);
});
