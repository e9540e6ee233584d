import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { demoUpstreamUrl } from "./demo";
import { expect, test, watchConsole } from "./fixtures";
import { signInAs } from "./sign-in-as";

/**
 * The self-serve journeys of issue 4, end to end on the demo data, each by the people who do them:
 * a Power user publishes a personal server and connects it; a Power user+ submits a shared server,
 * an Admin approves it, the publisher shares it with a team through a registry, and a member of that
 * team finds it in the catalog and connects it. Names carry a per-run suffix (the database and the
 * demo users are shared with other spec files).
 */

const SUFFIX = randomBytes(3).toString("hex");
const DANA = "dana.data@gatehouse.local"; // Power user
const PAT = "pat.publisher@gatehouse.local"; // Power user+
const ARI = "ari.admin@gatehouse.local"; // Admin
const SAM = "sam.support@gatehouse.local"; // Basic user, team Support

async function publish(
  page: Page,
  options: { name: string; url: string; shared: boolean; expectedButton: string },
): Promise<void> {
  await page.goto("/servers/new");
  const basics = page.getByTestId("section-basics");
  await basics.getByLabel("Name", { exact: true }).fill(options.name);
  await basics.getByRole("textbox", { name: /^Description/ }).fill(`${options.name}: the reference tools.`);
  await page.getByTestId("section-transport").getByLabel("Server URL").fill(options.url);
  if (options.shared)
    await page
      .getByTestId("section-scope")
      .getByRole("radio", { name: /^Shared/ })
      .check();
  await expect(page.getByTestId("publish-button")).toHaveText(options.expectedButton);
  await page.getByTestId("publish-button").click();
  await expect(page).toHaveURL(/\/servers\/[0-9a-f-]{36}$/);
}

/** From a catalog page: Connect, create the connection (no settings asked), land on its page. */
async function connectFromCatalog(page: Page, slug: string): Promise<string> {
  await page.goto(`/catalog/${slug}`);
  await expect(page.getByTestId("catalog-server")).toHaveAttribute("data-slug", slug);
  await page.getByTestId("connect-button").click();
  await expect(page).toHaveURL(new RegExp(`/catalog/${slug}/connect$`));
  await expect(page.getByTestId("no-configuration")).toBeVisible();
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  const url = await page.getByTestId("connection-url").inputValue();
  expect(url).toMatch(/\/mcp\/[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "configured");
  return url;
}

test("a Power user publishes a personal server and connects it", async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const upstream = await demoUpstreamUrl();
  const name = `Dana lab ${SUFFIX}`;
  const slug = `dana-lab-${SUFFIX}`;
  const dana = await signInAs(browser, baseURL, DANA);
  const problems = watchConsole(dana.page);
  try {
    await publish(dana.page, { name, url: upstream, shared: false, expectedButton: "Publish" });
    await expect(dana.page.getByTestId("server-manage")).toHaveAttribute("data-status", "APPROVED");

    // It is in Dana's catalog at once, and she connects it.
    await dana.page.goto("/catalog");
    await dana.page.getByTestId("catalog-search").fill(name);
    await expect(dana.page.locator(`[data-testid="catalog-card"][data-slug="${slug}"]`)).toBeVisible();
    const url = await connectFromCatalog(dana.page, slug);

    // My connections lists it; the catalog card now says Connected.
    await dana.page.goto("/connections");
    await expect(dana.page.getByText(name).first()).toBeVisible();
    await dana.page.goto("/catalog");
    await dana.page.getByTestId("catalog-search").fill(name);
    await expect(
      dana.page.locator(`[data-testid="catalog-card"][data-slug="${slug}"]`).getByTestId("connected-badge"),
    ).toBeVisible();
    expect(url.startsWith(baseURL ?? "")).toBe(true);
    expect(problems).toEqual([]);
  } finally {
    await dana.context.close();
  }
});

test("a Power user+ shares a server with a team through a registry, an Admin approves, a member connects", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const upstream = await demoUpstreamUrl();
  const name = `Support desk ${SUFFIX}`;
  const slug = `support-desk-${SUFFIX}`;
  const registryName = `Support desk access ${SUFFIX}`;
  const pat = await signInAs(browser, baseURL, PAT);
  const ari = await signInAs(browser, baseURL, ARI);
  const sam = await signInAs(browser, baseURL, SAM);
  const problems = [...[pat, ari, sam].map((user) => watchConsole(user.page))];
  try {
    // Sam does not see it before it is shared.
    await sam.page.goto(`/catalog/${slug}`);
    await expect(sam.page.getByTestId("catalog-server-not-found")).toBeVisible();

    // Pat submits the shared server; it waits for review.
    await publish(pat.page, { name, url: upstream, shared: true, expectedButton: "Submit for approval" });
    await expect(pat.page.getByTestId("server-manage")).toHaveAttribute("data-status", "PENDING_APPROVAL");

    // Ari approves it from the review queue.
    await ari.page.goto("/reviews");
    const card = ari.page.locator(`[data-testid="review-card"][data-server="${slug}"]`);
    await expect(card).toBeVisible();
    await card.getByTestId("approve-button").click();
    await expect(card).toHaveCount(0);
    await pat.page.reload();
    await expect(pat.page.getByTestId("server-manage")).toHaveAttribute("data-status", "APPROVED");

    // Approved is not visible: nothing is visible until a registry grants it.
    await sam.page.goto("/catalog");
    await sam.page.getByTestId("catalog-search").fill(name);
    await expect(sam.page.locator(`[data-testid="catalog-card"][data-slug="${slug}"]`)).toHaveCount(0);

    // Pat creates a registry, grants it to the Support team, and adds the server.
    await pat.page.goto("/registries");
    await pat.page.getByTestId("create-registry-button").click();
    const createDialog = pat.page.getByTestId("create-registry-dialog");
    await createDialog.getByLabel("Name").fill(registryName);
    await createDialog.getByRole("button", { name: "Create registry" }).click();
    await expect(pat.page.getByRole("heading", { level: 1, name: registryName })).toBeVisible();
    await pat.page.getByTestId("add-subject-button").click();
    await pat.page.getByRole("menuitem", { name: "To a team…" }).click();
    const teamDialog = pat.page.getByTestId("add-team-dialog");
    await teamDialog.getByLabel("Search teams").fill("supp");
    await teamDialog.getByRole("button", { name: "Grant to Support", exact: true }).click();
    await expect(teamDialog.getByText("Granted", { exact: true })).toBeVisible();
    await teamDialog.getByRole("button", { name: "Done" }).click();
    await pat.page.getByTestId("add-server-button").click();
    const serverDialog = pat.page.getByTestId("add-server-dialog");
    await serverDialog
      .getByTestId("grantable-server")
      .and(pat.page.locator(`[data-slug="${slug}"]`))
      .getByRole("button", { name: /^Select/ })
      .click();
    await serverDialog.getByRole("button", { name: "Grant server" }).click();
    await expect(
      pat.page.getByTestId("registry-server").and(pat.page.locator(`[data-slug="${slug}"]`)),
    ).toBeVisible();

    // Sam, in the Support team, finds it on the next request and connects it.
    await sam.page.goto("/catalog");
    await sam.page.getByTestId("catalog-search").fill(name);
    const samCard = sam.page.locator(`[data-testid="catalog-card"][data-slug="${slug}"]`);
    await expect(samCard).toBeVisible();
    await connectFromCatalog(sam.page, slug);

    // Pat removes the server from the registry: Sam's connection says it is no longer available.
    await pat.page
      .getByTestId("registry-server")
      .and(pat.page.locator(`[data-slug="${slug}"]`))
      .getByRole("button", { name: `Remove ${name}` })
      .click();
    await pat.page.getByRole("alertdialog").getByRole("button", { name: "Remove server" }).click();
    await expect(
      pat.page.getByTestId("registry-server").and(pat.page.locator(`[data-slug="${slug}"]`)),
    ).toHaveCount(0);
    await sam.page.reload();
    await expect(sam.page.getByTestId("connection-status")).toHaveAttribute("data-status", "unavailable");
    await sam.page.goto(`/catalog/${slug}`);
    await expect(sam.page.getByTestId("catalog-server-not-found")).toBeVisible();
    for (const list of problems) expect(list).toEqual([]);
  } finally {
    await Promise.all([pat.context.close(), ari.context.close(), sam.context.close()]);
  }
});
