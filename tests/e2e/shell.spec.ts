import { expect, test } from "./fixtures";

const AREAS = [
  { link: "Catalog", path: "/catalog", heading: "Catalog" },
  { link: "Connections", path: "/connections", heading: "Connections" },
  { link: "Tokens", path: "/tokens", heading: "API tokens" },
  { link: "Registries", path: "/registries", heading: "Registries" },
  { link: "Teams", path: "/teams", heading: "Teams" },
  { link: "Users", path: "/users", heading: "Users" },
  { link: "Audit", path: "/audit", heading: "Audit log" },
  { link: "Settings", path: "/settings", heading: "Settings" },
  { link: "Overview", path: "/", heading: "Overview" },
];

test.describe("the app shell", () => {
  test("renders the overview with navigation for every area", async ({ page, consoleProblems }) => {
    await page.goto("/");
    await expect(page).toHaveTitle(/Gatehouse/);
    await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const area of AREAS)
      await expect(nav.getByRole("link", { name: area.link, exact: true })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Overview", exact: true })).toHaveAttribute(
      "aria-current",
      "page",
    );
    expect(consoleProblems).toEqual([]);
  });

  test("the Overview's counts open the lists they count", async ({ page, consoleProblems }) => {
    await page.goto("/");
    await page.getByTestId("count-servers").click();
    await expect(page).toHaveURL("/servers?scope=all");
    await expect(
      page.getByTestId("scope-toggle").getByRole("button", { name: "All servers" }),
    ).toHaveAttribute("aria-pressed", "true");
    await page.goto("/");
    await page.getByTestId("count-api-tokens").click();
    await expect(page).toHaveURL("/tokens?view=all");
    // No page lists every user's connections, so that count is no link.
    await page.goto("/");
    await expect(page.getByTestId("count-connections")).toBeVisible();
    await expect(page.getByTestId("count-connections")).not.toHaveAttribute("href");
    expect(consoleProblems).toEqual([]);
  });

  test("navigates to each area through the sidebar", async ({ page, consoleProblems }) => {
    await page.goto("/");
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const area of AREAS) {
      await nav.getByRole("link", { name: area.link, exact: true }).click();
      await expect(page).toHaveURL(area.path);
      await expect(page.getByRole("heading", { level: 1, name: area.heading })).toBeVisible();
      await expect(nav.getByRole("link", { name: area.link, exact: true })).toHaveAttribute(
        "aria-current",
        "page",
      );
    }
    expect(consoleProblems).toEqual([]);
  });

  test("switches between light and dark and remembers the choice", async ({ page, consoleProblems }) => {
    await page.goto("/settings");
    await page.getByRole("button", { name: "Change theme" }).click();
    await page.getByRole("menuitemradio", { name: "Dark" }).click();
    await expect(page.locator("html")).toHaveClass(/dark/);
    await page.reload();
    await expect(page.locator("html")).toHaveClass(/dark/);
    await page.getByRole("button", { name: "Change theme" }).click();
    await page.getByRole("menuitemradio", { name: "Light" }).click();
    await expect(page.locator("html")).not.toHaveClass(/dark/);
    expect(consoleProblems).toEqual([]);
  });

  test("shows a 404 page with a way back for unknown addresses", async ({ page }) => {
    const response = await page.goto("/no/such/page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await page.getByRole("link", { name: "Back to overview" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  });

  test("works on a phone-sized screen through the menu button", async ({ page, consoleProblems }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/");
    await page.getByRole("button", { name: "Open navigation" }).click();
    await page.getByRole("link", { name: "Teams", exact: true }).click();
    await expect(page).toHaveURL("/teams");
    await expect(page.getByRole("heading", { level: 1, name: "Teams" })).toBeVisible();
    expect(consoleProblems).toEqual([]);
  });
});

test.describe("health on the overview", () => {
  test("PostgreSQL, Redis and the worker are green", async ({ page, consoleProblems }) => {
    await page.goto("/");
    await expect(page.getByTestId("status-database")).toHaveAttribute("data-state", "ok");
    await expect(page.getByTestId("status-redis")).toHaveAttribute("data-state", "ok");
    // The worker writes its first heartbeat within seconds of starting.
    await expect(page.getByTestId("status-worker")).toHaveAttribute("data-state", "ok", { timeout: 30_000 });
    expect(consoleProblems).toEqual([]);
  });

  test("the worker has checked the demo upstreams, and Check now queues another round", async ({
    page,
    consoleProblems,
  }) => {
    await page.goto("/");
    const table = page.getByTestId("upstream-health");
    const rows = table.getByTestId("upstream-row");
    // Other specs publish servers of their own into the same database; the demo's two are checked here.
    await expect(rows.filter({ hasText: "Everything (demo)" })).toHaveAttribute("data-health", "healthy", {
      timeout: 30_000,
    });
    await expect(rows.filter({ hasText: "Everything over SSE (demo)" })).toHaveAttribute(
      "data-health",
      "healthy",
      {
        timeout: 30_000,
      },
    );
    await page.getByRole("button", { name: "Check now" }).click();
    await expect(page.getByText("Health check queued")).toBeVisible();
    await expect(rows.filter({ hasText: "Everything (demo)" })).toHaveAttribute("data-health", "healthy");
    expect(consoleProblems).toEqual([]);
  });

  test("settings shows the security posture", async ({ page, consoleProblems }) => {
    await page.goto("/settings");
    const posture = page.getByTestId("security-posture");
    await expect(posture.getByTestId("posture-check").filter({ hasText: "AUTH_SECRET" })).toHaveAttribute(
      "data-status",
      "ok",
    );
    await expect(posture.getByTestId("posture-check").filter({ hasText: "Authentication" })).toHaveAttribute(
      "data-status",
      "ok",
    );
    await expect(posture).toContainText("methods: email and password, OIDC (127.0.0.1");
    await expect(page.getByTestId("queue-row").filter({ hasText: "upstream-health" })).toBeVisible();
    expect(consoleProblems).toEqual([]);
  });
});

test("settings lists the demo's allowed internal hosts and refuses a malformed entry", async ({ page }) => {
  await page.goto("/settings");
  const card = page.getByTestId("allowed-hosts");
  await expect(card.getByTestId("allowed-host")).toHaveCount(2);
  // The demo's upstreams are open to every publisher's personal servers.
  await expect(card.getByTestId("allowed-host-for-everyone").first()).toHaveAttribute("aria-checked", "true");
  await card.getByLabel("Add a host").fill("http://evil.example/path");
  await card.getByRole("button", { name: "Add" }).click();
  await expect(page.getByText("Couldn't save the allowed hosts")).toBeVisible();
  await expect(card.getByTestId("allowed-host")).toHaveCount(2);
});
