import { randomBytes, randomUUID } from "node:crypto";
import { type E2eDb, openDb, UTC_NOW } from "./db";
import { expect, test } from "./fixtures";
import { readState } from "./state";

/**
 * The demo owner connects a server that asks for settings (a choice, a default, a secret), lands on
 * the connection page with its URL and client snippets, edits it, and disconnects; a server without
 * settings connects in one click. Screenshots go to tests/e2e/screenshots/ for people to look at.
 */

const FIELDS = [
  {
    name: "region",
    label: "Region",
    description: "Where your weather account lives.",
    secret: false,
    required: true,
    default: "eu",
    choices: ["eu", "us"],
    target: "url-variable",
    perUser: true,
  },
  {
    name: "X-Api-Key",
    label: "API key",
    description: "Create one under Settings → API keys in your weather account.",
    secret: true,
    required: true,
    default: null,
    choices: null,
    target: "header",
    perUser: true,
  },
  {
    name: "X-Units",
    label: "Units",
    description: "",
    secret: false,
    required: false,
    default: "metric",
    choices: null,
    target: "header",
    perUser: true,
  },
];

let db: E2eDb;
let slug: string;
let serverId: string;
let serverName: string;

test.beforeAll(async () => {
  const state = readState();
  db = openDb(state);
  const suffix = randomBytes(3).toString("hex");
  slug = `weather-${suffix}`;
  serverName = `Weather ${suffix}`;
  const ownerId = await db.value<string>(`SELECT id AS value FROM "User" WHERE email = $1`, [
    state.ownerEmail,
  ]);
  serverId = randomUUID();
  const versionId = randomUUID();
  const registryId = randomUUID();
  // A shared, approved server granted to the owner alone through a registry of its own. Its URL is a
  // public address literal, so the connect-time SSRF check passes without DNS (nothing dials it).
  await db.query(
    `INSERT INTO "Server" (id, slug, name, description, "ownerId", scope, status, "updatedAt")
     VALUES ($1, $2, $3, 'Forecasts for your agents.', $4, 'SHARED', 'APPROVED', ${UTC_NOW})`,
    [serverId, slug, serverName, ownerId],
  );
  await db.query(
    `INSERT INTO "ServerVersion" (id, "serverId", version, transport, url, "configSchema", status, "reviewedAt")
     VALUES ($1, $2, '1.4.0', 'STREAMABLE_HTTP', 'https://93.184.216.34/{region}/mcp', $3, 'APPROVED', ${UTC_NOW})`,
    [versionId, serverId, JSON.stringify(FIELDS)],
  );
  await db.query(`UPDATE "Server" SET "approvedVersionId" = $1 WHERE id = $2`, [versionId, serverId]);
  await db.query(
    `INSERT INTO "Registry" (id, slug, name, "ownerId", "updatedAt") VALUES ($1, $2, $3, $4, ${UTC_NOW})`,
    [registryId, `weather-registry-${suffix}`, `Weather registry ${suffix}`, ownerId],
  );
  await db.query(
    `INSERT INTO "RegistrySubject" (id, "registryId", kind, "userId") VALUES ($1, $2, 'USER', $3)`,
    [randomUUID(), registryId, ownerId],
  );
  await db.query(`INSERT INTO "RegistryServer" ("registryId", "serverId") VALUES ($1, $2)`, [
    registryId,
    serverId,
  ]);
});

test.afterAll(async () => {
  await db.end();
});

test("connect a server with settings, use its page, edit it and disconnect", async ({
  page,
  context,
  consoleProblems,
}) => {
  // A long journey, with screenshots in two themes and two sizes.
  test.setTimeout(90_000);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.setViewportSize({ width: 1440, height: 1000 });

  // A server that needs no settings connects in one click.
  await page.goto("/catalog/everything/connect");
  await expect(page.getByTestId("no-configuration")).toBeVisible();
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "configured");

  // The form for a server with settings: defaults prefilled, the secret hidden.
  await page.goto(`/catalog/${slug}/connect`);
  await expect(page.getByRole("heading", { level: 1, name: `Connect ${serverName}` })).toBeVisible();
  await expect(page.getByLabel("Region")).toHaveValue("eu");
  await expect(page.getByLabel("Units")).toHaveValue("metric");
  await expect(page.getByText("Create one under Settings → API keys in your weather account.")).toBeVisible();
  const apiKey = page.getByRole("textbox", { name: /^API key/ });
  await expect(apiKey).toHaveAttribute("type", "password");
  await page.screenshot({ path: "tests/e2e/screenshots/connect-form.png", fullPage: true });

  // Submitting without the required secret names the field.
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expect(page.getByText("API key is required")).toBeVisible();
  await expect(apiKey).toHaveAttribute("aria-invalid", "true");
  // The refused request is the browser's only complaint; nothing else went wrong.
  expect(consoleProblems).toEqual([
    "error: Failed to load resource: the server responded with a status of 400 (Bad Request)",
  ]);
  consoleProblems.length = 0;

  const secret = `wx-${randomBytes(8).toString("hex")}`;
  await apiKey.fill(secret);
  await page.getByRole("button", { name: "Show API key" }).click();
  await expect(apiKey).toHaveAttribute("type", "text");
  await page.getByLabel("Region").selectOption("us");
  await page.getByTestId("connection-name-input").fill("Weather (work)");
  await page.getByRole("button", { name: "Connect", exact: true }).click();

  // The connection page: URL, status, snippets.
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  const connectionId = page.url().split("/").pop() ?? "";
  await expect(page.getByRole("heading", { level: 1, name: "Weather (work)" })).toBeVisible();
  const url = await page.getByTestId("connection-url").inputValue();
  expect(url).toMatch(/\/mcp\/[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "configured");
  await expect(page.getByText("only works with a token of yours")).toBeVisible();
  // Screenshots without the "Connected" toast over the page.
  await expect(page.locator("[data-sonner-toast]")).toHaveCount(0, { timeout: 15_000 });
  await page.screenshot({ path: "tests/e2e/screenshots/connection.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: "tests/e2e/screenshots/connection-dark.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "tests/e2e/screenshots/connection-mobile.png", fullPage: true });
  await page.setViewportSize({ width: 1440, height: 1000 });

  const code = page.getByTestId("snippet-code");
  await expect(code).toContainText(`claude mcp add --transport http weather-work ${url}`);
  await page.getByTestId("snippet-tab-cursor").click();
  await expect(page.getByTestId("snippet-panel")).toHaveAttribute("data-client", "cursor");
  await expect(code).toContainText('"mcpServers"');
  await expect(page.getByTestId("install-link-cursor")).toHaveAttribute(
    "href",
    /^cursor:\/\/anysphere\.cursor-deeplink\/mcp\/install\?name=weather-work&config=/,
  );
  // Arrow keys move between the tabs.
  await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("snippet-panel")).toHaveAttribute("data-client", "vscode");
  await expect(code).toContainText('"servers"');
  await expect(page.getByTestId("install-link-vscode")).toHaveAttribute("href", /^vscode:mcp\/install\?/);
  await page.getByTestId("snippet-tab-windsurf").click();
  await expect(code).toContainText('"serverUrl"');
  await page.getByTestId("copy-snippet").click();
  await expect(page.getByText("Windsurf snippet copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain(url);

  // Nothing on the page shows the secret; the configuration says it is set.
  expect(await page.content()).not.toContain(secret);
  const values = page.getByTestId("configuration-values");
  await expect(values.locator('[data-field="X-Api-Key"]')).toContainText("set");
  await expect(values.locator('[data-field="region"]')).toContainText("us");

  // Edit: change a plain value, keep the secret as it is.
  await page.getByTestId("edit-configuration").click();
  const form = page.getByTestId("edit-configuration-form");
  await expect(form.getByTestId("secret-set")).toBeVisible();
  await form.getByLabel("Units").fill("imperial");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Connection saved")).toBeVisible();
  await expect(values.locator('[data-field="X-Units"]')).toContainText("imperial");
  await expect(values.locator('[data-field="X-Api-Key"]')).toContainText("set");
  const stored = await db.query<{ config: Record<string, string>; secrets: Buffer | null }>(
    `SELECT config, secrets FROM "Connection" WHERE id = $1`,
    [connectionId],
  );
  expect(stored[0]?.config).toEqual({ region: "us", "X-Units": "imperial" });
  expect(stored[0]?.secrets?.includes(Buffer.from(secret))).toBe(false);

  // The publisher's next version is approved: the connection stays on 1.4.0 until moved.
  const nextVersionId = randomUUID();
  await db.query(
    `INSERT INTO "ServerVersion" (id, "serverId", version, transport, url, "configSchema", status, "reviewedAt")
     VALUES ($1, $2, '1.5.0', 'STREAMABLE_HTTP', 'https://93.184.216.34/{region}/v2/mcp', $3, 'APPROVED', ${UTC_NOW})`,
    [nextVersionId, serverId, JSON.stringify(FIELDS)],
  );
  await db.query(`UPDATE "Server" SET "approvedVersionId" = $1 WHERE id = $2`, [nextVersionId, serverId]);

  // My connections lists both.
  await page.goto("/connections");
  await expect(page.getByRole("heading", { level: 1, name: "Connections" })).toBeVisible();
  const card = page
    .getByTestId("connection-card")
    .and(page.locator(`[data-connection-id="${connectionId}"]`));
  await expect(card).toContainText("Weather (work)");
  await expect(card).toContainText(serverName);
  await expect(card.getByTestId("connection-status")).toHaveText("Configured");
  await expect(card.getByTestId("update-available")).toHaveText("Update available: 1.5.0");
  await expect(page.getByTestId("connection-card").filter({ hasText: "Everything (demo)" })).toHaveCount(1);
  await page.screenshot({ path: "tests/e2e/screenshots/connections.png", fullPage: true });

  // Move it to the new version; its settings carry over.
  await card.getByRole("link", { name: "Weather (work)" }).click();
  await expect(page.getByTestId("newer-version")).toContainText("Version 1.5.0 is available");
  await page.getByTestId("move-version-button").click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Move" }).click();
  await expect(page.getByText("Moved to version 1.5.0")).toBeVisible();
  await expect(page.getByTestId("newer-version")).toHaveCount(0);
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "configured");
  await expect(values.locator('[data-field="X-Units"]')).toContainText("imperial");
  expect(
    await db.value<string>(`SELECT "serverVersionId" AS value FROM "Connection" WHERE id = $1`, [
      connectionId,
    ]),
  ).toBe(nextVersionId);

  // Disconnect, after a confirmation that says what happens.
  await page.getByTestId("disconnect-button").click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("secrets you stored for this connection are deleted");
  await dialog.getByRole("button", { name: "Disconnect" }).click();
  await expect(page).toHaveURL(/\/connections$/);
  await expect(page.getByText("Disconnected")).toBeVisible();
  await expect(page.locator(`[data-connection-id="${connectionId}"]`)).toHaveCount(0);
  expect(
    await db.value<number>(`SELECT count(*)::int AS value FROM "Connection" WHERE id = $1`, [connectionId]),
  ).toBe(0);

  // The old page says the connection is gone.
  await page.goto(`/connections/${connectionId}`);
  await expect(page.getByTestId("connection-not-found")).toBeVisible();
  expect(consoleProblems).toEqual([]);
});

test("a server the user cannot connect shows a clear not-found page", async ({ page, consoleProblems }) => {
  await page.goto("/catalog/github/connect");
  await expect(page.getByTestId("connect-not-found")).toBeVisible();
  await expect(page.getByRole("link", { name: "Browse the catalog" })).toBeVisible();
  expect(consoleProblems).toEqual([]);
});
